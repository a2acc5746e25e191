// The asynchronous calls over any Transport: one that has only the blocking `send` runs on a
// bounded pool of the client's threads, one with its own `send_async` is used as it is, and
// destroying the client fails what is in flight either way.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;

constexpr char kJob[] = R"({"id": "job-1", "status": "queued"})";

// A blocking-only transport whose answers wait until the test releases them, and which
// records how many sends run at once and on which threads.
class GatedTransport : public Transport {
 public:
  HttpResponse send(const HttpRequest&) override {
    std::unique_lock<std::mutex> lock(mutex_);
    threads_.insert(std::this_thread::get_id());
    ++inside_;
    peak_ = std::max(peak_, inside_);
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    --inside_;
    return HttpResponse{200, {}, kJob};
  }

  // Blocks until `n` sends are inside at once; false after a generous bound.
  bool wait_for_inside(int n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, 30s, [&] { return inside_ >= n; });
  }
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  int peak() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return peak_;
  }
  std::size_t thread_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  int inside_ = 0;
  int peak_ = 0;
  std::set<std::thread::id> threads_;
};

ClientOptions options_with(std::shared_ptr<Transport> transport, std::size_t max_concurrent) {
  ClientOptions o;
  o.api_key = "seam-key";
  o.base_url = "http://127.0.0.1:1";
  o.transport = std::move(transport);
  o.max_concurrent_requests = max_concurrent;
  return o;
}

TEST(TransportSeamTest, ABlockingTransportRunsAtMostMaxConcurrentRequestsOnReusedThreads) {
  auto transport = std::make_shared<GatedTransport>();
  PixxelClient client(options_with(transport, 4));
  std::vector<std::future<Job>> futures;
  for (int i = 0; i < 40; ++i) futures.push_back(client.get_job_async("wf", "job-1"));
  // Four run at once (so they overlap), and no fifth joins them while they are held.
  ASSERT_TRUE(transport->wait_for_inside(4));
  transport->open();
  for (auto& f : futures) EXPECT_EQ(f.get().id, "job-1");
  EXPECT_EQ(transport->peak(), 4);
  // Forty calls, at most four threads: not a thread per call.
  EXPECT_LE(transport->thread_count(), 4u);
}

TEST(TransportSeamTest, DestroyingTheClientFailsCallsInFlightAndQueuedWhateverTheTransport) {
  auto transport = std::make_shared<GatedTransport>();
  std::future<Job> in_flight;
  std::future<Job> queued;
  // The destruction fails both calls first, then waits for the worker's send (which ignores
  // cancellation): only then does this let the transport answer, unheard.
  std::thread opener;
  {
    PixxelClient client(options_with(transport, 1));
    in_flight = client.create_job_async("wf", "proj");
    queued = client.create_job_async("wf", "proj");
    const bool inside = transport->wait_for_inside(1);
    if (!inside) transport->open();  // the destruction below must not wait forever
    ASSERT_TRUE(inside);
    opener = std::thread([&] {
      in_flight.wait();
      queued.wait();
      transport->open();
    });
  }  // the transport still held the first send
  opener.join();
  ASSERT_EQ(in_flight.wait_for(30s), std::future_status::ready);
  ASSERT_EQ(queued.wait_for(30s), std::future_status::ready);
  try {
    in_flight.get();
    ADD_FAILURE() << "the call in flight succeeded";
  } catch (const TransportError& e) {
    EXPECT_TRUE(e.request_sent());  // it had been handed over: it may have been sent
  }
  try {
    queued.get();
    ADD_FAILURE() << "the queued call succeeded";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.request_sent());
  }
  // Nothing of the client's outlives it: its worker was joined.
  EXPECT_EQ(transport.use_count(), 1);
}

// A transport with an asynchronous path of its own, completing on a thread it owns.
class OwnAsyncTransport : public Transport {
 public:
  ~OwnAsyncTransport() override {
    for (auto& t : threads_) t.join();
  }
  HttpResponse send(const HttpRequest&) override {
    ++blocking_sends;
    return HttpResponse{200, {}, kJob};
  }
  bool send_async(HttpRequest, Completion done) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++async_sends;
    threads_.emplace_back([done = std::move(done)] { done(HttpResponse{200, {}, kJob}, nullptr); });
    return true;
  }
  std::atomic<int> blocking_sends{0};
  std::atomic<int> async_sends{0};

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

TEST(TransportSeamTest, ATransportsOwnAsynchronousPathIsUsed) {
  auto transport = std::make_shared<OwnAsyncTransport>();
  {
    PixxelClient client(options_with(transport, 8));
    std::vector<std::future<Job>> futures;
    for (int i = 0; i < 10; ++i) futures.push_back(client.get_job_async("wf", "job-1"));
    for (auto& f : futures) EXPECT_EQ(f.get().id, "job-1");
  }
  EXPECT_EQ(transport->async_sends.load(), 10);
  EXPECT_EQ(transport->blocking_sends.load(), 0);
}

TEST(TransportSeamTest, TlsOptionsWithACustomTransportAreAConfigurationError) {
  ClientOptions o = options_with(std::make_shared<GatedTransport>(), 4);
  o.verify_tls = false;
  EXPECT_THROW(PixxelClient{o}, ConfigurationError);
  o.verify_tls = true;
  o.ca_bundle = "/etc/ssl/certs/ca-certificates.crt";
  EXPECT_THROW(PixxelClient{o}, ConfigurationError);
}

}  // namespace
}  // namespace pixxel
