// A 2xx answer decoded as it arrives (src/body_stream.hpp): on the SDK's libcurl transport
// the body goes from libcurl's write callback to the decoder, never kept whole. These tests
// hold the streamed path to what the whole-body path does: the same models and the same
// DecodeError (path, reason, status, request id, outcome), the size cap counted on the bytes
// received, other answers kept whole, and a retry's answer decoded afresh.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "body_stream.hpp"
#include "decode/decode.hpp"
#include "pixxel/pixxel.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

constexpr char kKey[] = "pxk_streamed_secret";

const std::string kJobBody =
    R"({"id": "job-1", "status": "running", "tasks": [{"id": "t-1", "progress": 40,
        "inputs": [1, 2, 3]}, {"id": "t-2", "progress": "75%", "name": "caf\u00e9"}],
        "spec": {"aoi": {"type": "Polygon"}}, "cost": 12})";

// Serves `body` in pieces of `piece` bytes, without a Content-Length (chunked).
void serve_in_pieces(httplib::Response& res, std::string body, std::size_t piece, int status) {
  res.status = status;
  auto shared = std::make_shared<std::string>(std::move(body));
  res.set_chunked_content_provider(
      "application/json", [shared, piece](std::size_t offset, httplib::DataSink& sink) {
        if (offset >= shared->size()) {
          sink.done();
          return true;
        }
        return sink.write(shared->data() + offset, std::min(piece, shared->size() - offset));
      });
}

class RecordingStream final : public internal::BodyStream {
 public:
  void begin() override {
    ++begins;
    bytes.clear();
  }
  void write(std::string_view piece) override {
    ++pieces;
    bytes.append(piece.data(), piece.size());
  }
  int begins = 0;
  int pieces = 0;
  std::string bytes;
};

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.timeout = std::chrono::seconds(10);
  return request;
}

TEST(StreamedDecodeTest, TheLibcurlTransportStreamsOnly2xxBodies) {
  testing::TestServer server(4);
  server.http().Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    serve_in_pieces(res, kJobBody, 7, 200);
  });
  server.http().Get("/missing", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content(R"({"message": "no such job"})", "application/json");
  });
  server.http().Get("/empty",
                    [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
  server.start();
  const std::shared_ptr<Transport> transport = make_curl_transport();
  auto* streaming = dynamic_cast<internal::BodyStreamingTransport*>(transport.get());
  ASSERT_NE(streaming, nullptr);

  auto stream = std::make_shared<RecordingStream>();
  HttpResponse ok = streaming->send_streamed(get(server.url() + "/ok"), stream);
  EXPECT_EQ(ok.status_code, 200);
  EXPECT_EQ(ok.body, "");  // not kept
  EXPECT_EQ(stream->begins, 1);
  EXPECT_EQ(stream->bytes, kJobBody);

  stream = std::make_shared<RecordingStream>();
  HttpResponse missing = streaming->send_streamed(get(server.url() + "/missing"), stream);
  EXPECT_EQ(missing.status_code, 404);
  EXPECT_EQ(missing.body, R"({"message": "no such job"})");  // kept for the ApiError
  EXPECT_EQ(stream->begins, 0);

  // An empty 2xx body begins too, so that no earlier answer's bytes stand for it.
  stream = std::make_shared<RecordingStream>();
  stream->bytes = "stale";
  HttpResponse empty = streaming->send_streamed(get(server.url() + "/empty"), stream);
  EXPECT_EQ(empty.status_code, 200);
  EXPECT_EQ(stream->begins, 1);
  EXPECT_EQ(stream->bytes, "");
}

TEST(StreamedDecodeTest, TheSizeCapCountsTheStreamedBytes) {
  testing::TestServer server(4);
  server.http().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    serve_in_pieces(res, "[" + std::string(100000, ' ') + "]", 4096, 200);
  });
  server.start();
  const std::shared_ptr<Transport> transport = make_curl_transport();
  auto* streaming = dynamic_cast<internal::BodyStreamingTransport*>(transport.get());
  ASSERT_NE(streaming, nullptr);
  HttpRequest request = get(server.url() + "/big");
  request.max_response_bytes = 50000;
  auto stream = std::make_shared<RecordingStream>();
  EXPECT_THROW(streaming->send_streamed(request, stream), ResponseTooLargeError);
  EXPECT_LE(stream->bytes.size(), 50000u);
  request.max_response_bytes = 100002;
  EXPECT_EQ(streaming->send_streamed(request, stream).status_code, 200);
  EXPECT_EQ(stream->bytes.size(), 100002u);
}

ClientOptions options_for(const std::string& url) {
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = url;
  o.retry.max_retries = 0;
  return o;
}

// Answers that do not decode, each in a way of its own.
const std::vector<std::string> kBadBodies = {
    R"({"id": "job-1", "tasks": [{"id": "t-1"}, {"id": "t-2", "progress": {}}]})",
    R"({"id": "job-1", "tasks": [{"id": "t-1", "progress": tru}]})",
    R"({"status": "running", "echo": "pxk_streamed_secret"})",
    R"({"id": "job-1", "cost": "pxk_streamed_secret"})",
    R"([1, 2)",
    "",
    R"({"id": "job-1"} trailing)",
};

TEST(StreamedDecodeTest, AnAnswerThatDoesNotDecodeFailsAsTheWholeBodyWould) {
  testing::TestServer server(4);
  // Read on the server's thread.
  std::atomic<std::size_t> next{0};
  auto answer = [&next](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Request-Id", "req-42");
    serve_in_pieces(res, kBadBodies[next.load() % kBadBodies.size()], 3, 200);
  };
  server.http().Get(R"(/v0/workflows/([^/]+)/jobs/([^/]+))", answer);
  server.http().Post(R"(/v0/workflows/([^/]+)/jobs)", answer);
  server.start();
  PixxelClient client(options_for(server.url()));
  for (std::size_t i = 0; i < kBadBodies.size(); ++i) {
    next = i;
    const std::string& body = kBadBodies[i];
    std::string path;
    std::string reason;
    try {
      internal::decode_job(body, kKey);
      FAIL() << "decodes: " << body;
    } catch (const DecodeError& e) {
      path = e.path();
      reason = e.reason();
    }
    for (int way = 0; way < 3; ++way) {
      try {
        if (way == 0) client.get_job("wf", "job-1");
        if (way == 1) client.get_job_async("wf", "job-1").get();
        if (way == 2) client.create_job("wf", "p");
        FAIL() << "decoded: " << body;
      } catch (const DecodeError& e) {
        EXPECT_EQ(e.path(), path) << body;
        EXPECT_EQ(e.reason(), reason) << body;
        EXPECT_EQ(e.status_code(), 200);
        EXPECT_EQ(e.request_id(), "req-42");
        // A created job's answer that cannot be read: the job may exist.
        EXPECT_EQ(e.outcome_unknown(), way == 2) << body;
        EXPECT_EQ(std::string(e.what()).find(kKey), std::string::npos);
      }
    }
  }
}

TEST(StreamedDecodeTest, AnswersDecodeAsTheWholeBodyWould) {
  testing::TestServer server(4);
  server.http().Get(R"(/v0/workflows/([^/]+)/jobs/([^/]+))",
                    [](const httplib::Request&, httplib::Response& res) {
                      serve_in_pieces(res, kJobBody, 1, 200);
                    });
  server.start();
  PixxelClient client(options_for(server.url()));
  const Job expected = internal::decode_job(kJobBody);
  EXPECT_EQ(client.get_job("wf", "job-1"), expected);
  EXPECT_EQ(client.get_job_async("wf", "job-1").get(), expected);
}

TEST(StreamedDecodeTest, ARetryAfterACutShortAnswerDecodesTheNewAnswerAlone) {
  testing::TestServer server(4);
  std::atomic<int> calls{0};
  server.http().Get(R"(/v0/workflows/([^/]+)/jobs/([^/]+))", [&calls](const httplib::Request&,
                                                                      httplib::Response& res) {
    if (++calls % 2 == 1) {
      // Half the body, then the connection closes: a transport failure.
      res.set_content_provider(kJobBody.size(), "application/json",
                               [](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                 if (offset > 0) return false;
                                 return sink.write(kJobBody.data(), kJobBody.size() / 2);
                               });
      return;
    }
    serve_in_pieces(res, kJobBody, 5, 200);
  });
  server.start();
  ClientOptions o = options_for(server.url());
  o.retry.max_retries = 1;
  o.retry.initial_backoff = std::chrono::milliseconds(1);
  PixxelClient client(o);
  const Job expected = internal::decode_job(kJobBody);
  EXPECT_EQ(client.get_job("wf", "job-1"), expected);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(client.get_job_async("wf", "job-1").get(), expected);
  EXPECT_EQ(calls, 4);
}

}  // namespace
}  // namespace pixxel
