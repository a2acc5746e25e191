// Retries and concurrency over the real libcurl transport, against in-process servers on
// 127.0.0.1: faults, Retry-After, resets, refused connections, and one client shared by
// many threads.

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "pixxel/pixxel.hpp"
#include "support/client_options.hpp"
#include "support/concurrency.hpp"
#include "support/http_date.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::ScriptedServer;
using testing::TestServer;

constexpr char kKey[] = "resilience-key";
constexpr char kJob[] = R"({"id": "job-7", "status": "queued", "tasks": []})";

using Events = testing::RequestEvents;

ClientOptions fast_retries(const std::string& url, Events& events) {
  return testing::fast_retry_options(url, kKey, events.observer());
}

// Answers with the statuses in order (the last one repeating), then the job.
void serve_statuses(TestServer& server, std::vector<int> statuses, httplib::Headers extra = {}) {
  auto next = std::make_shared<std::atomic<std::size_t>>(0);
  auto handler = [statuses, extra, next](const httplib::Request&, httplib::Response& res) {
    const std::size_t i = (*next)++;
    res.status = statuses[std::min(i, statuses.size() - 1)];
    if (res.status != 200) {
      for (const auto& [k, v] : extra) res.set_header(k, v);
    }
    res.set_content(res.status == 200 ? kJob : R"({"error": {"message": "fault"}})",
                    "application/json");
  };
  server.http().Post(R"(/v0/workflows/([^/]+)/jobs)", handler);
  server.http().Get(R"(/v0/workflows/([^/]+)/jobs/([^/]+))", handler);
}

TEST(ResilienceTest, ServiceUnavailableTwiceThenSuccess) {
  TestServer server;
  serve_statuses(server, {503, 503, 200});
  server.start();
  Events events;
  EXPECT_EQ(PixxelClient(fast_retries(server.url(), events)).create_job("wf", "p").id, "job-7");
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_EQ(events.statuses(), (std::vector<int>{503, 503, 200}));
}

TEST(ResilienceTest, RateLimitWithRetryAfterSeconds) {
  TestServer server;
  serve_statuses(server, {429, 200}, {{"Retry-After", "1"}});
  server.start();
  Events events;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(PixxelClient(fast_retries(server.url(), events)).create_job("wf", "p").id, "job-7");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 990ms);
  EXPECT_EQ(events.statuses(), (std::vector<int>{429, 200}));
}

TEST(ResilienceTest, RateLimitWithRetryAfterDate) {
  // The date is made when the 429 is answered, and the wait is measured by the server from
  // that answer to the retry, so that no slow start of either side eats into it.
  TestServer server;
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  server.http().Post(
      R"(/v0/workflows/([^/]+)/jobs)", [&](const httplib::Request&, httplib::Response& res) {
        std::lock_guard<std::mutex> lock(mutex);
        arrivals.push_back(std::chrono::steady_clock::now());
        if (arrivals.size() > 1) {
          res.set_content(kJob, "application/json");
          return;
        }
        res.status = 429;
        // Whole seconds, as servers send it: more than 1 s ahead.
        res.set_header("Retry-After", testing::http_date_in(2s));
        res.set_content(R"({"error": {"message": "slow down"}})", "application/json");
      });
  server.start();
  Events events;
  EXPECT_EQ(PixxelClient(fast_retries(server.url(), events)).create_job("wf", "p").id, "job-7");
  EXPECT_EQ(events.statuses(), (std::vector<int>{429, 200}));
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(arrivals.size(), 2u);
  EXPECT_GE(arrivals[1] - arrivals[0], 900ms);
}

TEST(ResilienceTest, RateLimitErrorCarriesRetryAfterWhenRetriesRunOut) {
  TestServer server;
  serve_statuses(server, {429}, {{"Retry-After", "0"}});
  server.start();
  Events events;
  try {
    PixxelClient(fast_retries(server.url(), events)).create_job("wf", "p");
    FAIL() << "expected RateLimitError";
  } catch (const RateLimitError& e) {
    ASSERT_TRUE(e.retry_after().has_value());
    EXPECT_EQ(*e.retry_after(), 0ms);
  }
  EXPECT_EQ(events.statuses(), (std::vector<int>{429, 429, 429}));
}

TEST(ResilienceTest, PostServerErrorIsTriedOnceByDefault) {
  TestServer server;
  serve_statuses(server, {500, 200});
  server.start();
  Events events;
  EXPECT_THROW(PixxelClient(fast_retries(server.url(), events)).create_job("wf", "p"), ServerError);
  EXPECT_EQ(server.request_count(), 1u);
  EXPECT_EQ(events.statuses(), (std::vector<int>{500}));
}

TEST(ResilienceTest, PostServerErrorIsTriedMaxRetriesPlusOneTimesWhenAccepted) {
  TestServer server;
  serve_statuses(server, {500});
  server.start();
  Events events;
  ClientOptions o = fast_retries(server.url(), events);
  o.retry.retry_non_idempotent = true;
  o.retry.max_retries = 4;
  EXPECT_THROW(PixxelClient(o).create_job("wf", "p"), ServerError);
  EXPECT_EQ(server.request_count(), 5u);
  EXPECT_EQ(events.statuses(), (std::vector<int>{500, 500, 500, 500, 500}));
}

TEST(ResilienceTest, GetServerErrorIsRetried) {
  TestServer server;
  serve_statuses(server, {500, 502, 200});
  server.start();
  Events events;
  EXPECT_EQ(PixxelClient(fast_retries(server.url(), events)).get_job("wf", "job-7").id, "job-7");
  EXPECT_EQ(events.statuses(), (std::vector<int>{500, 502, 200}));
}

TEST(ResilienceTest, MaxRetriesZeroIsOneAttempt) {
  TestServer server;
  serve_statuses(server, {503, 200});
  server.start();
  Events events;
  ClientOptions o = fast_retries(server.url(), events);
  o.retry.max_retries = 0;
  EXPECT_THROW(PixxelClient(o).create_job("wf", "p"), ServerError);
  EXPECT_EQ(server.request_count(), 1u);
}

std::string reset_mid_body(const std::string&) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
         "{\"id\": \"job-";
}

TEST(ResilienceTest, ResetInTheMiddleOfABodyIsRetriedForGet) {
  ScriptedServer server(reset_mid_body);
  Events events;
  EXPECT_THROW(PixxelClient(fast_retries(server.url(), events)).get_job("wf", "j"), TransportError);
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_EQ(events.statuses(), (std::vector<int>{0, 0, 0}));
}

TEST(ResilienceTest, ResetInTheMiddleOfABodyIsNotRetriedForPost) {
  ScriptedServer server(reset_mid_body);
  Events events;
  try {
    PixxelClient(fast_retries(server.url(), events)).create_job("wf", "p");
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_TRUE(e.request_sent());
  }
  EXPECT_EQ(server.request_count(), 1u);
  ASSERT_EQ(events.all().size(), 1u);
  EXPECT_FALSE(events.all()[0].error.empty());
}

TEST(ResilienceTest, RefusedConnectionIsRetriedEvenForPost) {
  Events events;
  ClientOptions o =
      fast_retries("http://127.0.0.1:" + std::to_string(testing::refused_port()), events);
  try {
    PixxelClient(o).create_job("wf", "p");
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.request_sent());
  }
  const auto all = events.all();
  ASSERT_EQ(all.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(all[i].attempt, i + 1);
    EXPECT_EQ(all[i].status_code, 0);
    EXPECT_FALSE(all[i].error.empty());
  }
}

TEST(ResilienceTest, RequestTimeoutOnPostIsNotRetried) {
  TestServer server;
  server.http().Post(R"(/v0/workflows/([^/]+)/jobs)",
                     [&](const httplib::Request&, httplib::Response& res) {
                       server.hold(10s);
                       res.set_content(kJob, "application/json");
                     });
  server.start();
  Events events;
  ClientOptions o = fast_retries(server.url(), events);
  o.timeout = 500ms;
  try {
    PixxelClient(o).create_job("wf", "p");
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_TRUE(e.request_sent());
  }
  EXPECT_EQ(events.statuses(), (std::vector<int>{0}));
  // The one attempt reaches the server, if perhaps after the client gave up on it; no
  // second one follows, since the call has returned.
  EXPECT_TRUE(eventually([&] { return server.request_count() >= 1; }));
  EXPECT_EQ(server.request_count(), 1u);
}

// --- one client, many threads ------------------------------------------------------------

constexpr int kThreads = 8;
constexpr int kCallsPerThread = 25;

TEST(ConcurrencyTest, EightThreadsShareOneClientOverFewConnections) {
  // The first call of every thread is answered only once all eight are inside the server:
  // the client runs the threads' calls side by side, each on a connection of its own.
  testing::Rendezvous first_calls(kThreads);
  std::atomic<int> arrived{0};
  TestServer server;
  server.http().Get(R"(/v0/workflows/([^/]+)/jobs/([^/]+))", [&](const httplib::Request& req,
                                                                 httplib::Response& res) {
    if (arrived++ < kThreads) first_calls.arrive();
    res.set_content(R"({"id": ")" + req.matches[2].str() + R"("})", "application/json");
  });
  server.start();
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = server.url();
  PixxelClient client(o);

  std::atomic<int> answered{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const std::string job = "job-" + std::to_string(t) + "-" + std::to_string(i);
        if (client.get_job("wf", job).id == job) {
          ++answered;
        } else {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(answered.load(), kThreads * kCallsPerThread);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(server.request_count(), static_cast<std::size_t>(kThreads * kCallsPerThread));
  EXPECT_FALSE(first_calls.failed()) << "the threads' calls did not overlap";
  // One connection per concurrent caller, each reused for the rest of its calls.
  EXPECT_EQ(server.connection_count(), static_cast<std::size_t>(kThreads));
}

TEST(ConcurrencyTest, SequentialCallsFromManyThreadsReuseOneConnection) {
  TestServer server;
  serve_statuses(server, {200});
  server.start();
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = server.url();
  PixxelClient client(o);
  for (int t = 0; t < 4; ++t) {
    std::thread([&] { client.create_job("wf", "p"); }).join();
  }
  EXPECT_EQ(server.request_count(), 4u);
  EXPECT_EQ(server.connection_count(), 1u);
}

TEST(ConcurrencyTest, ThreadsShareOneClientAgainstTheMockUnderFaults) {
  mock::MockOptions mo;
  mo.api_key = kKey;
  mo.job_duration = 200ms;
  mo.fail_rate = 0.2;                // 503 before anything is created: retried
  mo.fail_after_create_rate = 0.25;  // 500 after the job was stored: must not be retried
  mo.seed = 42;  // fixes which of the created jobs get a 500, whatever the threads' order
  std::mutex mutex;
  std::map<int, int> create_answers;  // status -> count, for POSTs that reached the mock
  mo.on_request = [&](const mock::RequestLog& log) {
    if (log.method != "POST") return;
    std::lock_guard<std::mutex> lock(mutex);
    ++create_answers[log.status];
  };
  mock::MockServer mock(mo);
  mock.start();

  ClientOptions o;
  o.api_key = kKey;
  o.base_url = mock.base_url();
  o.retry.max_retries = 10;
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 5ms;
  PixxelClient client(o);

  std::atomic<int> completed{0};
  std::atomic<int> told_failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Job job;
      try {
        // 503 is always safe to retry, so create_job rides out those faults; a 500 may
        // follow a created job, so it ends the call.
        job = client.create_job("wf-" + std::to_string(t), "p");
      } catch (const ServerError& e) {
        if (e.status_code() == 500) ++told_failed;
        return;
      }
      WaitOptions wait;
      wait.poll_interval = 20ms;
      wait.max_poll_interval = 50ms;
      wait.timeout = 20s;
      job = client.wait_for_job(job.workflow_id, job.id, wait);
      if (job.status == "completed") ++completed;
      client.list_jobs(job.workflow_id);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_GT(told_failed.load(), 0) << "the seed should fail some creates after creation";
  EXPECT_EQ(completed.load() + told_failed.load(), kThreads);
  // One job per call, whatever the call was told: none was created twice.
  EXPECT_EQ(mock.job_count(), static_cast<std::size_t>(kThreads));
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(create_answers[500], told_failed.load());
  EXPECT_EQ(create_answers[200], completed.load());
}

}  // namespace
}  // namespace pixxel
