// The asynchronous path's queue: a call waiting there behind max_concurrent_requests has not
// been sent, so none of its time may count against it. Over real libcurl to 127.0.0.1.

#include <chrono>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using testing::TestServer;

constexpr char kKey[] = "queue-key";
constexpr char kWorkflow[] = "wf";
constexpr char kJobId[] = "job-1";
constexpr char kJob[] = R"({"id": "job-1", "status": "queued", "tasks": []})";
constexpr char kJsonType[] = "application/json; charset=utf-8";

// An attempt's clock (its redirect deadline and RequestEvent::elapsed) starts when it is
// sent, on both paths: on the blocking path that is when the call is made; on the async path
// a call may first wait in the engine's queue behind max_concurrent_requests, and that wait
// must not count against its timeout, or a queued call would fail where a blocking one works.
TEST(AsyncQueueTest, AnAttemptsClockStartsWhenItLeavesTheQueue) {
  TestServer server(4);  // the held calls must not take every server thread
  server.http().Get("/v0/workflows/wf/jobs/held",
                    [&server](const httplib::Request&, httplib::Response& res) {
                      server.hold(60s);  // until the server stops: the call times out
                      res.set_content(kJob, kJsonType);
                    });
  server.http().Get("/v0/workflows/wf/jobs/job-1",
                    [](const httplib::Request&, httplib::Response& res) {
                      res.status = 307;
                      res.set_header("Location", "/v0/moved");
                    });
  server.http().Get("/v0/moved", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kJob, kJsonType);
  });
  server.start();

  struct Seen {
    RequestEvent event;
    std::chrono::steady_clock::time_point at;
  };
  std::mutex mutex;
  std::vector<Seen> seen;
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = server.url();
  o.timeout = 500ms;
  o.retry.max_retries = 0;
  o.max_concurrent_requests = 1;
  o.on_request = [&](const RequestEvent& e) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back({e, now});
  };
  PixxelClient client(o);

  // Two calls that each hold the only slot until they time out, then one that the queue
  // delays by twice its timeout before it is sent.
  auto first = client.get_job_async(kWorkflow, "held");
  auto second = client.get_job_async(kWorkflow, "held");
  auto queued = client.get_job_async(kWorkflow, kJobId);
  EXPECT_THROW(first.get(), TimeoutError);
  EXPECT_THROW(second.get(), TimeoutError);
  try {
    EXPECT_EQ(queued.get().id, kJobId);
  } catch (const Error& e) {
    ADD_FAILURE() << "the queued call failed where get_job succeeds: " << e.what();
  }
  EXPECT_EQ(client.get_job(kWorkflow, kJobId).id, kJobId);

  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[2].event.url, server.url() + "/v0/workflows/wf/jobs/job-1");
  // The queued call left the queue after the second call's event was reported, so no more
  // time than has passed since then can have been spent on it.
  EXPECT_LE(seen[2].event.elapsed.count(),
            std::chrono::duration_cast<milliseconds>(seen[2].at - seen[1].at).count());
}

}  // namespace
}  // namespace pixxel
