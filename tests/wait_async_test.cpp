// wait_for_job_async on the real connection: its polls are asynchronous get_job calls and its
// pauses timers, all on the client's one loop, with the same rules as wait_for_job.

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/client_options.hpp"
#include "support/fake_transport.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;
using testing::TestServer;

constexpr char kRunning[] = R"({"id": "job-1", "status": "running"})";
constexpr char kCompleted[] = R"({"id": "job-1", "status": "completed"})";

ClientOptions options_for(const std::string& url) {
  ClientOptions o;
  o.api_key = "wait-async-key";
  o.base_url = url;
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 1ms;
  return o;
}

// Polls 2 ms apart: fast, with room for the loop's other work between polls.
WaitOptions quick_wait() { return testing::quick_wait(2ms); }

TEST(WaitAsyncTest, ManyWaitsShareTheClientsLoopThread) {
  // Each job answers "running" twice, then "completed".
  TestServer server;
  std::mutex mutex;
  std::map<std::string, int> polls;
  server.http().Get(
      R"(/v0/workflows/wf/jobs/([^/]+))", [&](const httplib::Request& req, httplib::Response& res) {
        const std::string id = req.matches[1];
        int n = 0;
        {
          std::lock_guard<std::mutex> lock(mutex);
          n = ++polls[id];
        }
        res.set_content(
            R"({"id": ")" + id + R"(", "status": ")" + (n < 3 ? "running" : "completed") + R"("})",
            "application/json");
      });
  server.start();
  PixxelClient client(options_for(server.url()));
  std::set<std::thread::id> callback_threads;
  WaitOptions wait = quick_wait();
  wait.on_update = [&](const Job&) {
    std::lock_guard<std::mutex> lock(mutex);
    callback_threads.insert(std::this_thread::get_id());
  };
  constexpr int kWaits = 24;
  std::vector<std::future<Job>> waits;
  for (int i = 0; i < kWaits; ++i) {
    waits.push_back(client.wait_for_job_async("wf", "job-" + std::to_string(i), wait));
  }
  for (int i = 0; i < kWaits; ++i) {
    const Job job = waits[i].get();
    EXPECT_EQ(job.id, "job-" + std::to_string(i));
    EXPECT_EQ(job.status, "completed");
  }
  EXPECT_EQ(server.request_count(), 3u * kWaits);
  // Every callback of every wait ran on one thread, the loop's, not the caller's.
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(callback_threads.size(), 1u);
  EXPECT_NE(*callback_threads.begin(), std::this_thread::get_id());
}

TEST(WaitAsyncTest, RidesOutARetryableFailureAndReportsIt) {
  auto transport = std::make_shared<FakeTransport>();
  transport->then_answer(503, "{}");  // after the call's own retry, still 503
  transport->then_answer(503, "{}");
  transport->then_answer(200, kCompleted);
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = transport;
  o.retry.max_retries = 1;
  PixxelClient client(o);
  int poll_errors = 0;
  WaitOptions wait = quick_wait();
  wait.on_poll_error = [&](const Error& e) {
    ++poll_errors;
    EXPECT_NE(dynamic_cast<const ServerError*>(&e), nullptr);
  };
  EXPECT_EQ(client.wait_for_job_async("wf", "job-1", wait).get().status, "completed");
  EXPECT_EQ(poll_errors, 1);
  EXPECT_EQ(transport->count(), 3u);
}

TEST(WaitAsyncTest, APermanentErrorEndsTheWait) {
  auto transport = std::make_shared<FakeTransport>();
  transport->then_answer(200, kRunning);
  transport->then_answer(404, R"({"error": {"code": "not_found", "message": "gone"}})");
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = transport;
  PixxelClient client(o);
  EXPECT_THROW(client.wait_for_job_async("wf", "job-1", quick_wait()).get(), NotFoundError);
  EXPECT_EQ(transport->count(), 2u);
}

TEST(WaitAsyncTest, TimesOutWithTheLastStatus) {
  auto transport = std::make_shared<FakeTransport>();
  transport->then_answer(200, kRunning);
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = transport;
  PixxelClient client(o);
  WaitOptions wait = quick_wait();
  wait.timeout = 30ms;
  try {
    client.wait_for_job_async("wf", "job-1", wait).get();
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("last status: running"), std::string::npos) << e.what();
  }
  // How many polls fit in 30 ms depends on the machine (one, under ThreadSanitizer on a loaded
  // box); the status in the message proves that at least one answered.
  EXPECT_GE(transport->count(), 1u);
}

TEST(WaitAsyncTest, OnUpdateMayStopTheWait) {
  auto transport = std::make_shared<FakeTransport>();
  transport->then_answer(200, kRunning);
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = transport;
  PixxelClient client(o);
  WaitOptions wait = quick_wait();
  wait.on_update = [](const Job&) { throw std::runtime_error("enough"); };
  EXPECT_THROW(client.wait_for_job_async("wf", "job-1", wait).get(), std::runtime_error);
}

TEST(WaitAsyncTest, DestroyingTheClientFailsAWaitInItsPause) {
  auto transport = std::make_shared<FakeTransport>();
  transport->then_answer(200, kRunning);
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = transport;
  std::future<Job> waiting;
  {
    PixxelClient client(o);
    WaitOptions wait;
    wait.poll_interval = 60s;
    wait.max_poll_interval = 60s;
    waiting = client.wait_for_job_async("wf", "job-1", wait);
  }
  EXPECT_THROW(waiting.get(), TransportError);
}

}  // namespace
}  // namespace pixxel
