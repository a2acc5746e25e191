// The attempt pipeline's timing through an injected clock: the delays it waits and the times
// it reports, without waiting for real.

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline.hpp"
#include "pixxel/errors.hpp"
#include "settings.hpp"
#include "support/fake_transport.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using testing::FakeTransport;

constexpr char kJob[] = R"({"id": "job-1"})";

// Time that moves only when someone sleeps or the test says so.
class ManualClock : public internal::Clock {
 public:
  time_point now() const override { return now_; }
  void sleep_for(milliseconds delay) override {
    sleeps.push_back(delay);
    now_ += delay;
  }
  void advance(milliseconds d) { now_ += d; }
  std::vector<milliseconds> sleeps;

 private:
  time_point now_{};
};

struct Fixture {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::vector<RequestEvent> events;
  ManualClock clock;

  internal::Settings settings(RetryPolicy retry = {}) {
    ClientOptions o;
    o.api_key = "pipeline-key";
    o.base_url = "http://127.0.0.1:1";
    o.transport = transport;
    o.retry = retry;
    o.on_request = [this](const RequestEvent& e) { events.push_back(e); };
    return internal::resolve_settings(o);
  }
  HttpResponse run(const internal::Settings& s, std::string method = "GET") {
    HttpRequest request;
    request.method = std::move(method);
    request.url = s.options.base_url + "/v0/thing";
    request.headers = s.headers;
    return internal::run_blocking(
        s, internal::CallSpec{request, s.options.retry, nullptr, {}, {}, {}}, clock);
  }
};

TEST(PipelineTest, BackoffDelaysAreSleptOnTheClockWithinTheirBounds) {
  Fixture f;
  f.transport->then_answer(503, "{}");
  f.transport->then_answer(503, "{}");
  f.transport->then_answer(200, kJob);
  RetryPolicy retry;  // 500 ms, then 1000 ms bounds, full jitter
  const auto s = f.settings(retry);
  EXPECT_EQ(f.run(s).status_code, 200);
  ASSERT_EQ(f.clock.sleeps.size(), 2u);
  EXPECT_LE(f.clock.sleeps[0], 500ms);
  EXPECT_LE(f.clock.sleeps[1], 1000ms);
  ASSERT_EQ(f.events.size(), 3u);
  EXPECT_EQ(f.events[2].attempt, 3);
}

TEST(PipelineTest, RetryAfterIsSleptExactlyUpToTheCap) {
  Fixture f;
  f.transport->then_answer(429, "{}", {{"Retry-After", "7"}});
  f.transport->then_answer(200, kJob);
  const auto s = f.settings();
  EXPECT_EQ(f.run(s).status_code, 200);
  ASSERT_EQ(f.clock.sleeps.size(), 1u);
  EXPECT_EQ(f.clock.sleeps[0], 7000ms);

  Fixture g;
  g.transport->then_answer(429, "{}", {{"Retry-After", "61"}});  // over max_retry_after
  const auto t = g.settings();
  EXPECT_THROW(g.run(t), RateLimitError);
  EXPECT_TRUE(g.clock.sleeps.empty());
}

TEST(PipelineTest, EachRetriedAttemptsEventSaysThePauseBeforeTheNext) {
  Fixture f;
  f.transport->then_answer(503, "{}");
  f.transport->then_answer(429, "{}", {{"Retry-After", "3"}});
  f.transport->then_answer(200, kJob);
  const auto s = f.settings();
  EXPECT_EQ(f.run(s).status_code, 200);
  ASSERT_EQ(f.events.size(), 3u);
  ASSERT_EQ(f.clock.sleeps.size(), 2u);
  EXPECT_EQ(f.events[0].retry_delay, f.clock.sleeps[0]);  // the backoff, as slept
  EXPECT_EQ(f.events[1].retry_delay, 3000ms);             // the server's Retry-After
  EXPECT_EQ(f.events[2].retry_delay, std::nullopt);       // the call ended

  Fixture g;  // a Retry-After over the cap ends the call: no pause announced
  g.transport->then_answer(503, "{}");
  g.transport->then_answer(429, "{}", {{"Retry-After", "61"}});
  const auto t = g.settings();
  EXPECT_THROW(g.run(t), RateLimitError);
  ASSERT_EQ(g.events.size(), 2u);
  EXPECT_TRUE(g.events[0].retry_delay.has_value());
  EXPECT_EQ(g.events[1].retry_delay, std::nullopt);

  Fixture h;  // out of attempts
  h.transport->then_answer(503, "{}");
  RetryPolicy none;
  none.max_retries = 0;
  const auto u = h.settings(none);
  EXPECT_THROW(h.run(u), ServerError);
  ASSERT_EQ(h.events.size(), 1u);
  EXPECT_EQ(h.events[0].retry_delay, std::nullopt);
}

TEST(PipelineTest, AnAttemptsElapsedTimeIsMeasuredOnTheClockFromItsStart) {
  Fixture f;
  f.transport->then([&](const HttpRequest&) {
    f.clock.advance(250ms);  // a slow answer
    return HttpResponse{200, {}, kJob};
  });
  const auto s = f.settings();
  f.clock.advance(10s);  // time before the call does not count
  EXPECT_EQ(f.run(s).status_code, 200);
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].elapsed, 250ms);
}

TEST(PipelineTest, APostIsNotRetriedAfterAFailureThatMayHaveReachedTheServer) {
  Fixture f;
  f.transport->then_throw(TransportError("reset", true));
  f.transport->then_answer(200, kJob);
  const auto s = f.settings();
  EXPECT_THROW(f.run(s, "POST"), TransportError);
  EXPECT_EQ(f.transport->count(), 1u);
  EXPECT_TRUE(f.clock.sleeps.empty());
}

}  // namespace
}  // namespace pixxel
