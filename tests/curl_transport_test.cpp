// The client over the real libcurl transport, against in-process servers on 127.0.0.1.

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/test_server.hpp"

#ifndef PIXXEL_TEST_DATA_DIR
#error "PIXXEL_TEST_DATA_DIR must name tests/data"
#endif

namespace pixxel {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ScriptedServer;
using testing::TestServer;
using namespace std::chrono_literals;

constexpr char kKey[] = "sk-live-curl-test-key-0001";

const std::string kJob = R"({"id": "job-9", "status": "queued", "workflow_id": "wf 1",
  "cost": 3, "progress": "0", "spec": {"a": 1},
  "tasks": [{"id": "t1", "name": "ingest", "depends_on": [], "progress": 0,
             "block_info": {"id": "b1", "name": "ingest", "version": "1.0"}},
            {"id": "t2", "name": "process", "depends_on": ["t1"], "progress": 0}],
  "val_errors": []})";

ClientOptions options_for(const std::string& url) {
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = url;
  o.retry.max_retries = 0;
  o.timeout = 10s;
  return o;
}

class CurlTransportTest : public ::testing::Test {
 protected:
  void serve_job(int status = 200, std::string body = kJob) {
    server_.http().Post(R"(/v0/workflows/([^/]+)/jobs)",
                        [status, body](const httplib::Request&, httplib::Response& res) {
                          res.status = status;
                          res.set_header("X-Request-Id", "req-abc");
                          res.set_content(body, "application/json");
                        });
  }
  PixxelClient client() { return PixxelClient(options_for(server_.url())); }

  TestServer server_;
};

TEST_F(CurlTransportTest, CreateJobSendsTheDocumentedRequest) {
  serve_job();
  server_.start();
  Job job = client().create_job("wf 1", "proj/1&x");
  EXPECT_EQ(job.id, "job-9");
  ASSERT_EQ(job.tasks.size(), 2u);
  EXPECT_EQ(job.tasks[1].depends_on, std::vector<std::string>{"t1"});
  EXPECT_EQ(job.spec, nlohmann::json({{"a", 1}}));

  const auto r = server_.last_request();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v0/workflows/wf%201/jobs?project_id=proj%2F1%26x");
  EXPECT_EQ(r.header("Authorization"), kKey);
  EXPECT_EQ(r.header("Accept"), "application/json");
  EXPECT_EQ(r.header("User-Agent"), std::string("pixxel-cpp/") + version());
  EXPECT_EQ(r.header("Content-Length"), "0");
  EXPECT_FALSE(r.has_header("Content-Type"));
  EXPECT_FALSE(r.has_header("Expect"));
  EXPECT_THAT(r.header("Accept-Encoding"), HasSubstr("gzip"));
  EXPECT_EQ(r.body, "");
}

TEST_F(CurlTransportTest, DotIdsNeverReachAnotherEndpoint) {
  serve_job();
  server_.start();
  // Dots inside an id stay in their segment, and the path is sent as is.
  client().create_job("..a", "p");
  EXPECT_EQ(server_.last_request().target, "/v0/workflows/..a/jobs?project_id=p");
  client().create_job("%2e%2e", "p");
  EXPECT_EQ(server_.last_request().target, "/v0/workflows/%252e%252e/jobs?project_id=p");
}

TEST_F(CurlTransportTest, SequentialCallsReuseOneConnection) {
  serve_job();
  server_.start();
  PixxelClient c = client();
  for (int i = 0; i < 5; ++i) c.create_job("wf", "p");
  EXPECT_EQ(server_.request_count(), 5u);
  EXPECT_EQ(server_.connection_count(), 1u);
}

struct ErrorCase {
  int status;
  std::string type;
};

class CurlErrorStatusTest : public CurlTransportTest,
                            public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(CurlErrorStatusTest, ServesEachErrorStatusAsItsTypedError) {
  const int status = GetParam().status;
  serve_job(status, R"({"error": {"code": "e)" + std::to_string(status) +
                        R"(", "message": "failure )" + std::to_string(status) + R"("}})");
  server_.start();
  std::string type;
  try {
    client().create_job("wf", "p");
  } catch (const BadRequestError&) {
    type = "400";
  } catch (const AuthenticationError&) {
    type = "401";
  } catch (const PermissionDeniedError&) {
    type = "403";
  } catch (const NotFoundError&) {
    type = "404";
  } catch (const ConflictError&) {
    type = "409";
  } catch (const UnprocessableEntityError&) {
    type = "422";
  } catch (const RateLimitError&) {
    type = "429";
  } catch (const ServerError& e) {
    type = "5xx";
    EXPECT_EQ(e.status_code(), status);
  } catch (const ApiError& e) {
    type = "other";
    EXPECT_EQ(e.status_code(), status);
  }
  EXPECT_EQ(type, GetParam().type);
  try {
    client().create_job("wf", "p");
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), "e" + std::to_string(status));
    EXPECT_EQ(e.message(), "failure " + std::to_string(status));
    EXPECT_EQ(e.request_id(), "req-abc");
  }
}

INSTANTIATE_TEST_SUITE_P(Statuses, CurlErrorStatusTest,
                         ::testing::Values(ErrorCase{400, "400"}, ErrorCase{401, "401"},
                                           ErrorCase{403, "403"}, ErrorCase{404, "404"},
                                           ErrorCase{409, "409"}, ErrorCase{422, "422"},
                                           ErrorCase{429, "429"}, ErrorCase{500, "5xx"},
                                           ErrorCase{502, "5xx"}, ErrorCase{503, "5xx"},
                                           ErrorCase{504, "5xx"}, ErrorCase{418, "other"}));

TEST_F(CurlTransportTest, SlowAnswerIsATimeout) {
  server_.http().Post(R"(/v0/workflows/([^/]+)/jobs)",
                      [this](const httplib::Request&, httplib::Response& res) {
                        server_.hold(10s);
                        res.set_content(kJob, "application/json");
                      });
  server_.start();
  ClientOptions o = options_for(server_.url());
  o.timeout = 200ms;
  const auto started = std::chrono::steady_clock::now();
  try {
    PixxelClient(o).create_job("wf", "p");
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_TRUE(e.request_sent());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(CurlConnectTest, UnansweredConnectIsATimeoutBeforeSending) {
  testing::BlackholeServer blackhole;
  ClientOptions o = options_for(blackhole.url());
  o.connect_timeout = 200ms;
  try {
    PixxelClient(o).create_job("wf", "p");
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_FALSE(e.request_sent());
  }
}

TEST(CurlConnectTest, RefusedConnectionIsATransportErrorBeforeSending) {
  ClientOptions o = options_for("http://127.0.0.1:" + std::to_string(testing::refused_port()));
  try {
    PixxelClient(o).create_job("wf", "p");
    FAIL() << "expected TransportError";
  } catch (const TimeoutError&) {
    FAIL() << "a refused connection is not a timeout";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.request_sent());
    EXPECT_THAT(e.what(), Not(HasSubstr(kKey)));
  }
}

TEST(CurlConnectTest, LibcurlsWordsAppearOnceInTheMessage) {
  // libcurl's error buffer ends with the words of curl_easy_strerror: "Failed to connect to
  // 127.0.0.1 port N after 0 ms: Couldn't connect to server".
  ClientOptions o = options_for("http://127.0.0.1:" + std::to_string(testing::refused_port()));
  try {
    PixxelClient(o).get_job("wf", "job");
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    const std::string what = e.what();
    const std::string words = "Couldn't connect to server";
    const auto first = what.find(words);
    ASSERT_NE(first, std::string::npos) << what;
    EXPECT_EQ(what.find(words, first + 1), std::string::npos) << what;
    EXPECT_THAT(what, HasSubstr("Failed to connect to 127.0.0.1 port"));
  }
}

TEST_F(CurlTransportTest, HttpsToAPlainHttpPortSaysTheServerSpeaksPlainHttp) {
  server_.http().Get(".*", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  server_.start();
  ClientOptions o = options_for("https://127.0.0.1:" + std::to_string(server_.port()));
  try {
    PixxelClient(o).get_job("wf", "job");
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_THAT(e.what(), HasSubstr("the server seems to speak plain http, not https"));
  }
}

TEST(CurlScriptedTest, TruncatedBodyIsATransportError) {
  ScriptedServer server([](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
           "{\"id\": \"job-";
  });
  try {
    PixxelClient(options_for(server.url())).create_job("wf", "p");
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_TRUE(e.request_sent());
  }
}

TEST(CurlScriptedTest, ResetInTheMiddleOfAChunkedBodyIsATransportError) {
  ScriptedServer server([](const std::string&) {
    return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"id\": \"job-1\",";
  });
  EXPECT_THROW(PixxelClient(options_for(server.url())).create_job("wf", "p"), TransportError);
}

TEST(CurlScriptedTest, ClosedWithoutAnswerIsATransportError) {
  ScriptedServer server([](const std::string&) { return std::string(); });
  EXPECT_THROW(PixxelClient(options_for(server.url())).create_job("wf", "p"), TransportError);
}

TEST(CurlScriptedTest, GzipAnswerIsDecompressed) {
  ScriptedServer server([](const std::string&) {
    const std::string body = testing::gzip(kJob);
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  });
  Job job = PixxelClient(options_for(server.url())).create_job("wf", "p");
  EXPECT_EQ(job.id, "job-9");
  EXPECT_EQ(job.tasks.size(), 2u);
}

TEST(CurlScriptedTest, GzipBombIsCappedAfterDecompression) {
  const std::string bomb = testing::gzip(std::string(4u << 20, ' ') + "{}");
  ScriptedServer server([&](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
           std::to_string(bomb.size()) + "\r\n\r\n" + bomb;
  });
  ClientOptions o = options_for(server.url());
  o.max_response_bytes = 1u << 20;
  ASSERT_LT(bomb.size(), o.max_response_bytes);
  EXPECT_THROW(PixxelClient(o).create_job("wf", "p"), ResponseTooLargeError);
}

TEST_F(CurlTransportTest, OversizedAnswerWithContentLengthIsRejected) {
  server_.http().Post(R"(/v0/workflows/([^/]+)/jobs)",
                      [](const httplib::Request&, httplib::Response& res) {
                        res.set_content(std::string(200000, 'x'), "text/plain");
                      });
  server_.start();
  ClientOptions o = options_for(server_.url());
  o.max_response_bytes = 100000;
  try {
    PixxelClient(o).create_job("wf", "p");
    FAIL() << "expected ResponseTooLargeError";
  } catch (const ResponseTooLargeError& e) {
    EXPECT_EQ(e.limit(), 100000u);
  }
}

TEST_F(CurlTransportTest, OversizedAnswerWithoutContentLengthStopsAtTheCap) {
  // A chunked body of up to 256 MiB; the client must stop reading near its 1 MiB cap.
  std::atomic<std::size_t> written{0};
  server_.http().Post(
      R"(/v0/workflows/([^/]+)/jobs)", [&](const httplib::Request&, httplib::Response& res) {
        res.set_chunked_content_provider("application/json", [&](size_t, httplib::DataSink& sink) {
          const std::string chunk(64 * 1024, ' ');
          if (written >= (256u << 20)) {
            sink.done();
            return true;
          }
          if (!sink.write(chunk.data(), chunk.size())) return false;
          written += chunk.size();
          return true;
        });
      });
  server_.start();
  ClientOptions o = options_for(server_.url());
  o.max_response_bytes = 1u << 20;
  EXPECT_THROW(PixxelClient(o).create_job("wf", "p"), ResponseTooLargeError);
  server_.stop();
  EXPECT_LT(written.load(), 64u << 20);
}

TEST_F(CurlTransportTest, RedirectToAnotherPortNeverCarriesTheKey) {
  TestServer other;
  other.http().Post(R"(/elsewhere)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kJob, "application/json");
  });
  other.start();
  server_.http().Post(R"(/v0/workflows/([^/]+)/jobs)",
                      [&](const httplib::Request&, httplib::Response& res) {
                        res.status = 307;
                        res.set_header("Location", other.url() + "/elsewhere");
                      });
  server_.start();
  Job job = client().create_job("wf", "p");
  EXPECT_EQ(job.id, "job-9");
  EXPECT_EQ(server_.last_request().header("Authorization"), kKey);
  const auto redirected = other.last_request();
  EXPECT_EQ(redirected.method, "POST");
  EXPECT_FALSE(redirected.has_header("Authorization"));
  for (const auto& [name, value] : redirected.headers) {
    EXPECT_THAT(value, Not(HasSubstr(kKey))) << name;
  }
}

class CurlTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<httplib::SSLServer>(PIXXEL_TEST_DATA_DIR "/test-cert.pem",
                                                   PIXXEL_TEST_DATA_DIR "/test-key.pem");
    ASSERT_TRUE(server_->is_valid());
    server_->Post(R"(/v0/workflows/([^/]+)/jobs)",
                  [](const httplib::Request&, httplib::Response& res) {
                    res.set_content(kJob, "application/json");
                  });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    testing::wait_until_running(*server_);
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }
  ClientOptions options() { return options_for("https://127.0.0.1:" + std::to_string(port_)); }

  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(CurlTlsTest, UntrustedCertificateIsRejectedBeforeSending) {
  try {
    PixxelClient(options()).create_job("wf", "p");
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.request_sent());
  }
}

TEST_F(CurlTlsTest, CaBundleIsHonoured) {
  ClientOptions o = options();
  o.ca_bundle = PIXXEL_TEST_DATA_DIR "/test-cert.pem";
  EXPECT_EQ(PixxelClient(o).create_job("wf", "p").id, "job-9");
}

TEST_F(CurlTlsTest, VerificationCanBeTurnedOff) {
  ClientOptions o = options();
  o.verify_tls = false;
  EXPECT_EQ(PixxelClient(o).create_job("wf", "p").id, "job-9");
}

TEST_F(CurlTlsTest, MissingCaBundleIsATransportError) {
  ClientOptions o = options();
  o.ca_bundle = PIXXEL_TEST_DATA_DIR "/no-such-bundle.pem";
  EXPECT_THROW(PixxelClient(o).create_job("wf", "p"), TransportError);
}

// One transport used from one thread keeps one easy handle, whose options outlive each
// request: each request must still go out as itself, whatever the one before it set (a
// method, a body, a size cap, a stall limit, a streamed body).
TEST(CurlHandleReuseTest, EachRequestOnAReusedHandleGoesOutAsItself) {
  TestServer server(4);
  const std::string large(4096, 'x');
  auto echo = [&large](const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Method", req.method);
    res.set_content(req.path == "/large" ? large : req.method + ":" + req.body, "text/plain");
  };
  for (const char* path : {"/echo", "/large"}) {
    server.http().Get(path, echo);
    server.http().Post(path, echo);
    server.http().Put(path, echo);
    server.http().Delete(path, echo);
    server.http().Patch(path, echo);
  }
  // HEAD: cpp-httplib answers it from the GET route, without a body.
  server.start();
  auto transport = make_curl_transport();
  auto request = [&](std::string method, std::string path, std::string body = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.url = server.url() + path;
    r.body = std::move(body);
    r.timeout = 10s;
    return r;
  };
  auto expect_echo = [&](const HttpRequest& r, const std::string& expected) {
    const HttpResponse response = transport->send(r);
    EXPECT_EQ(response.status_code, 200) << r.method;
    EXPECT_EQ(response.body, expected) << r.method;
  };

  EXPECT_EQ(transport->send(request("HEAD", "/echo")).body, "");
  expect_echo(request("POST", "/echo", "after-head"), "POST:after-head");
  expect_echo(request("GET", "/echo"), "GET:");
  expect_echo(request("PUT", "/echo", "put-body"), "PUT:put-body");
  expect_echo(request("GET", "/echo"), "GET:");
  expect_echo(request("DELETE", "/echo"), "DELETE:");
  expect_echo(request("PATCH", "/echo", "p"), "PATCH:p");
  expect_echo(request("POST", "/echo"), "POST:");

  // A cap on one request is not the next one's.
  HttpRequest capped = request("GET", "/large");
  capped.max_response_bytes = 100;
  EXPECT_THROW(transport->send(capped), ResponseTooLargeError);
  expect_echo(request("GET", "/large"), large);
  // "No limit" written as the largest size (libcurl takes no more than INT64_MAX), after a
  // request whose cap held.
  HttpRequest small_cap = request("GET", "/echo");
  small_cap.max_response_bytes = 100;
  expect_echo(small_cap, "GET:");
  HttpRequest unlimited = request("GET", "/large");
  unlimited.max_response_bytes = static_cast<std::size_t>(-1);
  expect_echo(unlimited, large);
  // A stall limit however long, then none.
  HttpRequest patient = request("GET", "/echo");
  patient.stall_timeout = std::chrono::milliseconds::max();
  expect_echo(patient, "GET:");
  expect_echo(request("GET", "/echo"), "GET:");

  // A streamed body, then a kept one.
  std::string streamed;
  StreamSink sink;
  sink.on_body = [&streamed](std::string_view chunk) { streamed.append(chunk); };
  HttpRequest download = request("GET", "/large");
  download.max_response_bytes = 10;  // for other answers' bodies only
  EXPECT_EQ(transport->send_streaming(download, sink).status_code, 200);
  EXPECT_EQ(streamed, large);
  expect_echo(request("POST", "/echo", "after-stream"), "POST:after-stream");

  // One handle throughout: one connection, and a second after the capped answer, whose
  // transfer was cut short mid-body.
  EXPECT_EQ(server.connection_count(), 2u);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 16u);
  EXPECT_EQ(requests[0].method, "HEAD");
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[3].method, "PUT");
}

}  // namespace
}  // namespace pixxel
