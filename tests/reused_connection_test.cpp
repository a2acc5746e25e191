// A kept-alive connection that the server closes after reading a request and before
// answering: the server may have acted on it (a crash after creating the job), so a POST
// must not go again, by libcurl's own resend or by the SDK's retries, while an idempotent
// GET may. Both the blocking and the asynchronous path, over the real libcurl transport.

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/keep_alive_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using testing::KeepAliveServer;
using testing::ReceivedRequest;
using testing::ScriptedReply;

constexpr char kKey[] = "reused-connection-key";
constexpr char kJob[] = R"({"id": "job-1", "status": "queued"})";

// Answers everything, except the second request on the first connection, which it reads
// and then drops: the first answer lets the client keep the connection for the next call.
KeepAliveServer::Script drop_second_request(bool refuse_reconnects) {
  return [refuse_reconnects](const ReceivedRequest& r) {
    if (r.connection == 0 && r.index == 1) return ScriptedReply{std::nullopt, refuse_reconnects};
    return ScriptedReply{KeepAliveServer::json_answer(200, kJob)};
  };
}

struct Recorder {
  std::mutex mutex;
  std::vector<RequestEvent> events;
  std::vector<RequestEvent> all() {
    std::lock_guard<std::mutex> lock(mutex);
    return events;
  }
};

ClientOptions options_for(const KeepAliveServer& server, Recorder& recorder) {
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = server.url();
  o.timeout = 10s;
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 2ms;
  o.on_request = [&recorder](const RequestEvent& e) {
    std::lock_guard<std::mutex> lock(recorder.mutex);
    recorder.events.push_back(e);
  };
  return o;
}

enum class Path { kBlocking, kAsync };

Job create(PixxelClient& client, Path path) {
  return path == Path::kBlocking ? client.create_job("wf", "proj")
                                 : client.create_job_async("wf", "proj").get();
}

Job get(PixxelClient& client, Path path) {
  return path == Path::kBlocking ? client.get_job("wf", "job-1")
                                 : client.get_job_async("wf", "job-1").get();
}

class ReusedConnectionTest : public ::testing::TestWithParam<Path> {};

// The first call (answered) and the second (dropped), expecting the second to fail with a
// TransportError that says the request may have been acted on.
void expect_second_create_fails_once(KeepAliveServer& server, PixxelClient& client, Path path) {
  ASSERT_EQ(create(client, path).id, "job-1");
  try {
    create(client, path);
    FAIL() << "the dropped POST succeeded: it was sent again";
  } catch (const TimeoutError& e) {
    FAIL() << "unexpected timeout: " << e.what();
  } catch (const TransportError& e) {
    EXPECT_TRUE(e.request_sent()) << e.what();
    EXPECT_THAT(e.what(), ::testing::HasSubstr("the server may have acted on it"));
    EXPECT_THAT(e.what(), ::testing::Not(::testing::HasSubstr(kKey)));
  }
  // Both POSTs arrived exactly once, both on the first connection.
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.connection, 0u);
  }
}

TEST_P(ReusedConnectionTest, APostThatDiesOnAReusedConnectionIsNotSentAgain) {
  KeepAliveServer server(drop_second_request(/*refuse_reconnects=*/false));
  Recorder recorder;
  PixxelClient client(options_for(server, recorder));
  expect_second_create_fails_once(server, client, GetParam());
  const auto events = recorder.all();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].attempt, 1);
  EXPECT_EQ(events[1].status_code, 0);
  EXPECT_FALSE(events[1].error.empty());
}

TEST_P(ReusedConnectionTest, APostWhoseReconnectIsRefusedStillCountsAsSent) {
  // libcurl's resend then fails to connect (CURLE_COULDNT_CONNECT): the POST was received
  // all the same, and neither libcurl nor the SDK may send it a second time.
  KeepAliveServer server(drop_second_request(/*refuse_reconnects=*/true));
  Recorder recorder;
  PixxelClient client(options_for(server, recorder));
  expect_second_create_fails_once(server, client, GetParam());
  EXPECT_EQ(recorder.all().size(), 2u);
}

TEST_P(ReusedConnectionTest, AGetThatDiesOnAReusedConnectionRecoversSilently) {
  KeepAliveServer server(drop_second_request(/*refuse_reconnects=*/false));
  Recorder recorder;
  PixxelClient client(options_for(server, recorder));
  EXPECT_EQ(get(client, GetParam()).id, "job-1");
  EXPECT_EQ(get(client, GetParam()).id, "job-1");
  // The dropped GET went again on a new connection, within the same attempt.
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].connection, 1u);
  const auto events = recorder.all();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].attempt, 1);
  EXPECT_EQ(events[1].status_code, 200);
}

TEST_P(ReusedConnectionTest, RetryNonIdempotentRepeatsTheDroppedPostAsAVisibleAttempt) {
  KeepAliveServer server(drop_second_request(/*refuse_reconnects=*/false));
  Recorder recorder;
  ClientOptions o = options_for(server, recorder);
  o.retry.retry_non_idempotent = true;
  PixxelClient client(o);
  EXPECT_EQ(create(client, GetParam()).id, "job-1");
  EXPECT_EQ(create(client, GetParam()).id, "job-1");
  EXPECT_EQ(server.count("POST"), 3u);
  const auto events = recorder.all();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].attempt, 1);
  EXPECT_EQ(events[1].status_code, 0);
  EXPECT_EQ(events[2].attempt, 2);
  EXPECT_EQ(events[2].status_code, 200);
}

TEST_P(ReusedConnectionTest, ManyPostsOnOneKeptAliveConnectionAreEachSentOnce) {
  KeepAliveServer server([](const ReceivedRequest&) {
    return ScriptedReply{KeepAliveServer::json_answer(200, kJob)};
  });
  Recorder recorder;
  PixxelClient client(options_for(server, recorder));
  for (int i = 0; i < 20; ++i) create(client, GetParam());
  EXPECT_EQ(server.count("POST"), 20u);
  EXPECT_EQ(server.connection_count(), 1u);
}

// Every kept-alive connection closes when asked a second time, without a word: libcurl sends
// each GET after the first again on a new connection by itself. It counts such resends per
// easy handle and, unless the handle is reset, gives up after 5 for the handle's whole life
// ("Connection died, tried 5 times"): the sixth such call on a pooled handle would fail.
TEST_P(ReusedConnectionTest, LibcurlsOwnResendsNeverRunOutOnAPooledHandle) {
  KeepAliveServer server([](const ReceivedRequest& r) {
    if (r.index == 1) return ScriptedReply{std::nullopt};
    return ScriptedReply{KeepAliveServer::json_answer(200, kJob)};
  });
  Recorder recorder;
  ClientOptions options = options_for(server, recorder);
  options.retry.max_retries = 0;  // only libcurl's own resends
  PixxelClient client(options);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(get(client, GetParam()).id, "job-1") << "call " << i;
  // 12 answered, and the 11 dropped second requests.
  EXPECT_EQ(server.count("GET"), 23u);
  EXPECT_EQ(server.connection_count(), 12u);
}

INSTANTIATE_TEST_SUITE_P(BothPaths, ReusedConnectionTest,
                         ::testing::Values(Path::kBlocking, Path::kAsync),
                         [](const ::testing::TestParamInfo<Path>& param) {
                           return param.param == Path::kBlocking ? "Blocking" : "Async";
                         });

}  // namespace
}  // namespace pixxel
