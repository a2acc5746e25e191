// create_job_async and get_job_async: one multi loop per client, errors through futures,
// retries as timers, the in-flight cap, and destruction with calls in flight.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/concurrency.hpp"
#include "support/fake_transport.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::TestServer;

constexpr char kKey[] = "async-key";

ClientOptions options_for(const std::string& url) {
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = url;
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 5ms;
  return o;
}

// Echoes the workflow id as the job id, so each answer can be matched to its call.
void serve_echo(TestServer& server) {
  server.http().Post(
      R"(/v0/workflows/([^/]+)/jobs)", [](const httplib::Request& req, httplib::Response& res) {
        res.set_content(R"({"id": ")" + req.matches[1].str() + R"("})", "application/json");
      });
  server.http().Get(R"(/v0/workflows/([^/]+)/jobs/([^/]+))", [](const httplib::Request& req,
                                                                httplib::Response& res) {
    res.set_content(R"({"id": ")" + req.matches[2].str() + R"(", "status": "running"})",
                    "application/json");
  });
}

TEST(AsyncTest, ManyConcurrentCallsAllAnswered) {
  TestServer server;
  serve_echo(server);
  server.start();
  ClientOptions o = options_for(server.url());
  o.max_concurrent_requests = 16;
  PixxelClient client(o);
  std::vector<std::future<Job>> futures;
  for (int i = 0; i < 200; ++i) {
    futures.push_back(client.create_job_async("wf-" + std::to_string(i), "p"));
  }
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(futures[i].get().id, "wf-" + std::to_string(i));
  }
  EXPECT_EQ(server.request_count(), 200u);
  EXPECT_LE(server.connection_count(), 16u);
}

TEST(AsyncTest, CallsInFlightRunSideBySide) {
  // No answer leaves the server until all eight calls are inside it at once: only calls that
  // overlap can complete (a loop running them one at a time would stall the first).
  constexpr std::size_t kCalls = 8;
  testing::Rendezvous all_in(kCalls);
  TestServer server;
  server.http().Post(
      R"(/v0/workflows/([^/]+)/jobs)", [&](const httplib::Request& req, httplib::Response& res) {
        all_in.arrive();
        res.set_content(R"({"id": ")" + req.matches[1].str() + R"("})", "application/json");
      });
  server.http().Get(R"(/v0/workflows/([^/]+)/jobs/([^/]+))", [&](const httplib::Request& req,
                                                                 httplib::Response& res) {
    all_in.arrive();
    res.set_content(R"({"id": ")" + req.matches[2].str() + R"("})", "application/json");
  });
  server.start();
  PixxelClient client(options_for(server.url()));
  std::vector<std::future<Job>> futures;
  for (std::size_t i = 0; i < kCalls / 2; ++i) {
    futures.push_back(client.create_job_async("wf-" + std::to_string(i), "p"));
    futures.push_back(client.get_job_async("wf", "job-" + std::to_string(i)));
  }
  for (std::size_t i = 0; i < kCalls / 2; ++i) {
    EXPECT_EQ(futures[2 * i].get().id, "wf-" + std::to_string(i));
    EXPECT_EQ(futures[2 * i + 1].get().id, "job-" + std::to_string(i));
  }
  EXPECT_FALSE(all_in.failed()) << "the calls did not overlap";
  EXPECT_EQ(server.connection_count(), kCalls);  // one connection per call in flight
}

TEST(AsyncTest, GetJobAsyncReadsTheJob) {
  TestServer server;
  serve_echo(server);
  server.start();
  PixxelClient client(options_for(server.url()));
  Job job = client.get_job_async("wf", "job 1").get();
  EXPECT_EQ(job.id, "job 1");
  EXPECT_EQ(job.status, "running");
  EXPECT_EQ(server.last_request().target, "/v0/workflows/wf/jobs/job%201");
  EXPECT_EQ(server.last_request().header("Authorization"), kKey);
}

TEST(AsyncTest, ApiErrorsArriveThroughTheFuture) {
  TestServer server;
  server.http().Get(
      R"(/v0/workflows/([^/]+)/jobs/([^/]+))", [](const httplib::Request&, httplib::Response& res) {
        res.status = 404;
        res.set_header("X-Request-Id", "req-404");
        res.set_content(R"({"error": {"message": "no such job"}})", "application/json");
      });
  server.start();
  PixxelClient client(options_for(server.url()));
  auto future = client.get_job_async("wf", "missing");
  try {
    future.get();
    FAIL() << "expected NotFoundError";
  } catch (const NotFoundError& e) {
    EXPECT_EQ(e.message(), "no such job");
    EXPECT_EQ(e.request_id(), "req-404");
  }
}

TEST(AsyncTest, DecodeAndArgumentErrorsArriveThroughTheFuture) {
  TestServer server;
  server.http().Post(
      R"(/v0/workflows/([^/]+)/jobs)", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"id": "j", "tasks": [{"progress": []}]})", "application/json");
      });
  server.start();
  PixxelClient client(options_for(server.url()));
  try {
    client.create_job_async("wf", "p").get();
    FAIL() << "expected DecodeError";
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.path(), "tasks[0].progress");
    EXPECT_EQ(e.status_code(), 200);
    // The job was made and its answer cannot be read: the caller must look before again.
    EXPECT_TRUE(e.outcome_unknown());
  }
  auto bad = client.create_job_async("..", "p");
  EXPECT_THROW(bad.get(), InvalidArgumentError);
  EXPECT_THROW(client.get_job_async("wf", "").get(), InvalidArgumentError);
}

TEST(AsyncTest, TransportErrorsArriveThroughTheFuture) {
  ClientOptions o = options_for("http://127.0.0.1:" + std::to_string(testing::refused_port()));
  o.retry.max_retries = 1;
  std::atomic<int> attempts{0};
  o.on_request = [&](const RequestEvent&) { ++attempts; };
  PixxelClient client(o);
  try {
    client.create_job_async("wf", "p").get();
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.request_sent());
  }
  EXPECT_EQ(attempts.load(), 2);
}

TEST(AsyncTest, RetriesRunInTheLoop) {
  TestServer server;
  std::atomic<int> calls{0};
  server.http().Post(R"(/v0/workflows/([^/]+)/jobs)",
                     [&](const httplib::Request&, httplib::Response& res) {
                       if (calls++ < 2) {
                         res.status = 503;
                         res.set_content("{}", "application/json");
                         return;
                       }
                       res.set_content(R"({"id": "job-1"})", "application/json");
                     });
  server.start();
  std::vector<int> statuses;
  std::mutex mutex;
  ClientOptions o = options_for(server.url());
  o.on_request = [&](const RequestEvent& e) {
    std::lock_guard<std::mutex> lock(mutex);
    statuses.push_back(e.status_code);
  };
  PixxelClient client(o);
  EXPECT_EQ(client.create_job_async("wf", "p").get().id, "job-1");
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(statuses, (std::vector<int>{503, 503, 200}));
}

TEST(AsyncTest, PostIsNotRetriedAfterAServerError) {
  TestServer server;
  server.http().Post(R"(/v0/workflows/([^/]+)/jobs)",
                     [](const httplib::Request&, httplib::Response& res) {
                       res.status = 500;
                       res.set_content("{}", "application/json");
                     });
  server.start();
  PixxelClient client(options_for(server.url()));
  EXPECT_THROW(client.create_job_async("wf", "p").get(), ServerError);
  EXPECT_EQ(server.request_count(), 1u);
}

TEST(AsyncTest, InFlightCallsNeverExceedTheCap) {
  // Answers leave the server in groups of three held at once: the calls go exactly as far
  // as the cap and no further.
  constexpr int kCap = 3;
  testing::Rendezvous group(kCap);
  std::atomic<int> current{0};
  std::atomic<int> peak{0};
  TestServer server;
  server.http().Get(R"(/v0/workflows/([^/]+)/jobs/([^/]+))",
                    [&](const httplib::Request&, httplib::Response& res) {
                      const int now = ++current;
                      int seen = peak.load();
                      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
                      }
                      group.arrive();
                      --current;
                      res.set_content(R"({"id": "j"})", "application/json");
                    });
  server.start();
  ClientOptions o = options_for(server.url());
  o.max_concurrent_requests = kCap;
  PixxelClient client(o);
  std::vector<std::future<Job>> futures;
  for (int i = 0; i < 4 * kCap; ++i) futures.push_back(client.get_job_async("wf", "j"));
  for (auto& f : futures) EXPECT_EQ(f.get().id, "j");
  EXPECT_FALSE(group.failed()) << "fewer than " << kCap << " calls were ever in flight at once";
  EXPECT_EQ(peak.load(), kCap);
  // Calls in flight at once each need a connection of their own, and the cap's connections
  // are reused: a fourth call in flight would have opened a fourth.
  EXPECT_EQ(server.connection_count(), static_cast<std::size_t>(kCap));
}

TEST(AsyncTest, DestroyingTheClientFailsCallsInFlight) {
  TestServer server;
  server.http().Post(R"(/v0/workflows/([^/]+)/jobs)",
                     [&](const httplib::Request&, httplib::Response& res) {
                       server.hold(30s);
                       res.set_content(R"({"id": "late"})", "application/json");
                     });
  server.start();
  std::vector<std::future<Job>> futures;
  {
    PixxelClient client(options_for(server.url()));
    for (int i = 0; i < 5; ++i) futures.push_back(client.create_job_async("wf", "p"));
    ASSERT_TRUE(eventually([&] { return server.request_count() == 5; }));
  }
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(0s), std::future_status::ready);
    try {
      f.get();
      FAIL() << "expected TransportError";
    } catch (const TransportError& e) {
      EXPECT_TRUE(e.request_sent());
      EXPECT_THAT(e.what(), ::testing::HasSubstr("destroyed"));
    }
  }
}

TEST(AsyncTest, DestroyingTheClientFailsCallsWaitingToRetry) {
  TestServer server;
  server.http().Post(R"(/v0/workflows/([^/]+)/jobs)",
                     [](const httplib::Request&, httplib::Response& res) {
                       res.status = 503;
                       res.set_header("Retry-After", "30");
                       res.set_content("{}", "application/json");
                     });
  server.start();
  std::future<Job> future;
  {
    PixxelClient client(options_for(server.url()));
    future = client.create_job_async("wf", "p");
    ASSERT_TRUE(eventually([&] { return server.request_count() == 1; }));
    // The retry now waits 30 s on a timer in the loop.
    EXPECT_EQ(future.wait_for(50ms), std::future_status::timeout);
  }
  ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
  EXPECT_THROW(future.get(), TransportError);
}

TEST(AsyncTest, CopiesShareOneLoop) {
  // Asynchronous calls report on their client's loop thread, and reuse the connections of
  // its multi handle: a copy shares both, a client made from equal options has its own.
  TestServer server;
  serve_echo(server);
  server.start();
  std::mutex mutex;
  std::map<std::string, std::thread::id> loop_of;  // URL -> the thread that reported it
  ClientOptions o = options_for(server.url());
  o.on_request = [&](const RequestEvent& e) {
    std::lock_guard<std::mutex> lock(mutex);
    loop_of[e.url] = std::this_thread::get_id();
  };
  PixxelClient a(o);
  PixxelClient copy = a;
  PixxelClient other(o);
  EXPECT_EQ(a.get_job_async("wf", "by-a").get().id, "by-a");
  EXPECT_EQ(copy.get_job_async("wf", "by-copy").get().id, "by-copy");
  EXPECT_EQ(server.connection_count(), 1u);
  EXPECT_EQ(other.get_job_async("wf", "by-other").get().id, "by-other");
  EXPECT_EQ(server.connection_count(), 2u);

  std::lock_guard<std::mutex> lock(mutex);
  const std::string jobs = server.url() + "/v0/workflows/wf/jobs/";
  ASSERT_EQ(loop_of.size(), 3u);
  EXPECT_EQ(loop_of[jobs + "by-copy"], loop_of[jobs + "by-a"]);
  EXPECT_NE(loop_of[jobs + "by-other"], loop_of[jobs + "by-a"]);
  EXPECT_NE(loop_of[jobs + "by-a"], std::this_thread::get_id());
}

// The threads of this process, one entry each in /proc/self/task.
std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++n;
  }
  return n;
}

TEST(AsyncTest, AClientStartsOneThreadForItsAsynchronousCallsAndNoneOutlivesIt) {
  if (!std::filesystem::exists("/proc/self/task")) GTEST_SKIP() << "no /proc/self/task here";
  TestServer server;
  serve_echo(server);
  server.start();
  // One answered call first, so that the server's own threads are all up before counting.
  EXPECT_EQ(PixxelClient(options_for(server.url())).get_job("wf", "warm-up").id, "warm-up");
  const std::size_t before = thread_count();
  {
    ClientOptions o = options_for(server.url());
    o.max_concurrent_requests = 8;
    PixxelClient client(o);
    // Blocking calls over libcurl, cancellable or not, run on the caller's thread alone.
    CancellationSource unused;
    CallOptions cancellable;
    cancellable.cancel = unused.token();
    EXPECT_EQ(client.get_job("wf", "blocking").id, "blocking");
    EXPECT_EQ(client.get_job("wf", "cancellable", cancellable).id, "cancellable");
    EXPECT_EQ(thread_count(), before);
    // Asynchronous calls, many in flight at once, and a wait: all on one loop thread, which
    // drives libcurl too (no second thread for its multi handle).
    std::vector<std::future<Job>> futures;
    for (int i = 0; i < 64; ++i) {
      futures.push_back(client.create_job_async("wf-" + std::to_string(i), "p"));
    }
    WaitOptions wait;
    wait.poll_interval = 1ms;
    wait.timeout = 50ms;  // the job stays "running"
    auto waited = client.wait_for_job_async("wf", "job-1", wait);
    for (int i = 0; i < 64; ++i) EXPECT_EQ(futures[i].get().id, "wf-" + std::to_string(i));
    EXPECT_THROW(waited.get(), TimeoutError);
    EXPECT_EQ(thread_count(), before + 1);
    EXPECT_EQ(client.create_job_async("wf-again", "p", cancellable).get().id, "wf-again");
    EXPECT_EQ(thread_count(), before + 1);
  }
  // The client's destruction joined its thread.
  EXPECT_EQ(thread_count(), before);
}

TEST(AsyncTest, CustomTransportRunsTheBlockingPath) {
  auto transport = std::make_shared<testing::FakeTransport>();
  transport->then_answer(503, "{}");
  transport->then_answer(200, R"({"id": "from-fake"})");
  ClientOptions o = options_for("https://api.example.test");
  o.transport = transport;
  PixxelClient client(o);
  EXPECT_EQ(client.create_job_async("wf", "p").get().id, "from-fake");
  EXPECT_EQ(transport->count(), 2u);
}

// The answers are held until the futures are gone, so a future whose destructor waited for
// its call (as std::async's does) would stall the loop below; the watchdog then lets the
// answers go, and the test fails instead of hanging.
TEST(AsyncTest, DiscardedFuturesDoNotBlock) {
  testing::Gate answers;
  TestServer server;
  server.http().Post(R"(/v0/workflows/([^/]+)/jobs)",
                     [&](const httplib::Request&, httplib::Response& res) {
                       answers.wait();
                       res.set_content(R"({"id": "j"})", "application/json");
                     });
  server.start();
  PixxelClient client(options_for(server.url()));
  testing::Watchdog watchdog(testing::kGenerousWait, [&] { answers.open(); });
  for (int i = 0; i < 10; ++i) client.create_job_async("wf", "p");
  EXPECT_TRUE(watchdog.disarm()) << "discarding a future waited for its answer";
  // Every call is still under way, held by the server.
  EXPECT_TRUE(eventually([&] { return server.request_count() == 10; }));
  answers.open();
}

TEST(AsyncTest, DiscardedFuturesDoNotBlockWithACustomTransport) {
  testing::Gate answers;
  auto transport = std::make_shared<testing::FakeTransport>();
  transport->then([&](const HttpRequest&) {
    answers.wait();
    return HttpResponse{200, {}, R"({"id": "j"})"};
  });
  {
    ClientOptions o = options_for("https://api.example.test");
    o.transport = transport;
    PixxelClient client(o);
    testing::Watchdog watchdog(testing::kGenerousWait, [&] { answers.open(); });
    for (int i = 0; i < 10; ++i) client.create_job_async("wf", "p");
    EXPECT_TRUE(watchdog.disarm()) << "discarding a future waited for its answer";
    EXPECT_TRUE(eventually([&] { return transport->count() == 10; }));
    answers.open();
  }
  // The calls' threads keep the client alive until they end; wait for that, so that none
  // outlives the test.
  EXPECT_TRUE(eventually([&] { return transport.use_count() == 1; }));
}

}  // namespace
}  // namespace pixxel
