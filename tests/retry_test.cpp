// The retry rules of DESIGN.md through a fake transport: what is retried for GET and POST,
// Retry-After, backoff, and which error the caller finally sees.

#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../src/http_method.hpp"
#include "../src/retry_rules.hpp"
#include "pixxel/pixxel.hpp"
#include "support/fake_transport.hpp"
#include "support/http_date.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;

constexpr char kJob[] = R"({"id": "job-1", "status": "running"})";

class RetryTest : public ::testing::Test {
 protected:
  ClientOptions options() {
    ClientOptions o;
    o.api_key = "retry-key";
    o.base_url = "https://api.example.test";
    o.transport = transport_;
    o.retry.initial_backoff = 1ms;
    o.retry.max_backoff = 2ms;
    o.on_request = [this](const RequestEvent& e) { events_.push_back(e); };
    return o;
  }
  std::vector<int> statuses() const {
    std::vector<int> out;
    for (const auto& e : events_) out.push_back(e.status_code);
    return out;
  }

  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
  std::vector<RequestEvent> events_;
};

TEST_F(RetryTest, ServiceUnavailableTwiceThenSuccess) {
  transport_->then_answer(503, "{}");
  transport_->then_answer(503, "{}");
  transport_->then_answer(200, kJob);
  EXPECT_EQ(PixxelClient(options()).create_job("wf", "p").id, "job-1");
  EXPECT_EQ(statuses(), (std::vector<int>{503, 503, 200}));
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_EQ(events_[0].attempt, 1);
  EXPECT_EQ(events_[2].attempt, 3);
}

TEST_F(RetryTest, GivesUpAfterMaxRetriesWithTheLastError) {
  transport_->then_answer(503, R"({"error": {"message": "first"}})");
  transport_->then_answer(503, R"({"error": {"message": "second"}})");
  transport_->then_answer(429, R"({"error": {"message": "last"}})");
  try {
    PixxelClient(options()).create_job("wf", "p");
    FAIL() << "expected RateLimitError";
  } catch (const RateLimitError& e) {
    EXPECT_EQ(e.message(), "last");
  }
  EXPECT_EQ(transport_->count(), 3u);
}

TEST_F(RetryTest, MaxRetriesZeroMeansOneAttempt) {
  transport_->then_answer(503, "{}");
  ClientOptions o = options();
  o.retry.max_retries = 0;
  EXPECT_THROW(PixxelClient(o).create_job("wf", "p"), ServerError);
  EXPECT_EQ(transport_->count(), 1u);
}

TEST_F(RetryTest, RateLimitIsRetriedForPost) {
  transport_->then_answer(429, "{}", {{"Retry-After", "0"}});
  transport_->then_answer(200, kJob);
  EXPECT_EQ(PixxelClient(options()).create_job("wf", "p").id, "job-1");
  EXPECT_EQ(statuses(), (std::vector<int>{429, 200}));
}

TEST_F(RetryTest, RetryAfterSecondsIsHonoured) {
  transport_->then_answer(429, "{}", {{"Retry-After", "1"}});
  transport_->then_answer(200, kJob);
  const auto started = std::chrono::steady_clock::now();
  PixxelClient(options()).create_job("wf", "p");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 990ms);
}

TEST_F(RetryTest, RetryAfterHttpDateIsHonoured) {
  // Truncated to whole seconds: the wait is up to a second shorter.
  const std::string date = testing::http_date_in(std::chrono::seconds(2));
  transport_->then_answer(429, "{}", {{"Retry-After", date}});
  transport_->then_answer(200, kJob);
  const auto started = std::chrono::steady_clock::now();
  PixxelClient(options()).create_job("wf", "p");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
  EXPECT_EQ(transport_->count(), 2u);
}

TEST_F(RetryTest, RetryAfterBeyondTheCapEndsRetriesWithTheError) {
  transport_->then_answer(429, "{}", {{"Retry-After", "120"}});
  transport_->then_answer(200, kJob);
  try {
    PixxelClient(options()).create_job("wf", "p");
    FAIL() << "expected RateLimitError";
  } catch (const RateLimitError& e) {
    ASSERT_TRUE(e.retry_after().has_value());
    EXPECT_EQ(*e.retry_after(), 120s);
  }
  EXPECT_EQ(transport_->count(), 1u);
}

TEST_F(RetryTest, PostServerErrorIsNotRetriedByDefault) {
  for (int status : {408, 500, 502, 504}) {
    transport_ = std::make_shared<FakeTransport>();
    transport_->then_answer(status, "{}");
    transport_->then_answer(200, kJob);
    EXPECT_THROW(PixxelClient(options()).create_job("wf", "p"), ApiError) << status;
    EXPECT_EQ(transport_->count(), 1u) << status;
  }
}

TEST_F(RetryTest, PostServerErrorIsRetriedWhenTheCallerAcceptsDuplicates) {
  transport_->then_answer(500, "{}");
  ClientOptions o = options();
  o.retry.retry_non_idempotent = true;
  o.retry.max_retries = 3;
  EXPECT_THROW(PixxelClient(o).create_job("wf", "p"), ServerError);
  EXPECT_EQ(transport_->count(), 4u);
}

TEST_F(RetryTest, GetServerErrorsAreRetried) {
  for (int status : {408, 500, 502, 504}) {
    transport_ = std::make_shared<FakeTransport>();
    transport_->then_answer(status, "{}");
    transport_->then_answer(200, kJob);
    EXPECT_EQ(PixxelClient(options()).get_job("wf", "job-1").id, "job-1") << status;
    EXPECT_EQ(transport_->count(), 2u) << status;
  }
}

TEST_F(RetryTest, ClientErrorsAreNeverRetried) {
  for (int status : {400, 401, 403, 404, 409, 422}) {
    transport_ = std::make_shared<FakeTransport>();
    transport_->then_answer(status, "{}");
    EXPECT_THROW(PixxelClient(options()).get_job("wf", "job-1"), ApiError) << status;
    EXPECT_EQ(transport_->count(), 1u) << status;
  }
}

TEST_F(RetryTest, FailureBeforeSendingIsRetriedEvenForPost) {
  transport_->then_throw(TransportError("connection refused", /*request_sent=*/false));
  transport_->then_answer(200, kJob);
  EXPECT_EQ(PixxelClient(options()).create_job("wf", "p").id, "job-1");
  EXPECT_EQ(statuses(), (std::vector<int>{0, 200}));
}

TEST_F(RetryTest, TimeoutAfterSendingIsNotRetriedForPost) {
  transport_->then_throw(TimeoutError("timed out", /*request_sent=*/true));
  transport_->then_answer(200, kJob);
  EXPECT_THROW(PixxelClient(options()).create_job("wf", "p"), TimeoutError);
  EXPECT_EQ(transport_->count(), 1u);
}

TEST_F(RetryTest, ResetAfterSendingIsNotRetriedForPost) {
  transport_->then_throw(TransportError("connection reset", /*request_sent=*/true));
  transport_->then_answer(200, kJob);
  EXPECT_THROW(PixxelClient(options()).create_job("wf", "p"), TransportError);
  EXPECT_EQ(transport_->count(), 1u);
}

TEST_F(RetryTest, TimeoutAndResetAreRetriedForGet) {
  transport_->then_throw(TimeoutError("timed out", true));
  transport_->then_throw(TransportError("connection reset", true));
  transport_->then_answer(200, kJob);
  EXPECT_EQ(PixxelClient(options()).get_job("wf", "job-1").id, "job-1");
  EXPECT_EQ(statuses(), (std::vector<int>{0, 0, 200}));
}

TEST_F(RetryTest, TimeoutAfterSendingIsRetriedForPostWhenAccepted) {
  transport_->then_throw(TimeoutError("timed out", true));
  transport_->then_answer(200, kJob);
  ClientOptions o = options();
  o.retry.retry_non_idempotent = true;
  EXPECT_EQ(PixxelClient(o).create_job("wf", "p").id, "job-1");
  EXPECT_EQ(transport_->count(), 2u);
}

TEST_F(RetryTest, TheLastTransportErrorIsTheOneThrown) {
  transport_->then_answer(503, "{}");
  transport_->then_throw(TransportError("first refusal", false));
  transport_->then_throw(TimeoutError("final connect timeout", false));
  try {
    PixxelClient(options()).create_job("wf", "p");
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_STREQ(e.what(), "final connect timeout");
  }
}

TEST_F(RetryTest, OversizedAndUndecodableAnswersAreNotRetried) {
  transport_->then_throw(ResponseTooLargeError("too large", 10));
  EXPECT_THROW(PixxelClient(options()).get_job("wf", "j"), ResponseTooLargeError);
  EXPECT_EQ(transport_->count(), 1u);
  transport_ = std::make_shared<FakeTransport>();
  transport_->then_answer(200, "not json");
  EXPECT_THROW(PixxelClient(options()).get_job("wf", "j"), DecodeError);
  EXPECT_EQ(transport_->count(), 1u);
}

TEST_F(RetryTest, EveryAttemptIsReportedWithTheKeyRedacted) {
  transport_->then_answer(503, R"({"error": {"message": "busy"}})");
  transport_->then_answer(200, kJob);
  PixxelClient(options()).create_job("wf", "p");
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_THAT(events_[0].error, ::testing::HasSubstr("busy"));
  EXPECT_EQ(events_[1].error, "");
  for (const auto& e : events_) {
    EXPECT_EQ(e.method, "POST");
    EXPECT_EQ(find_header(e.request_headers, "Authorization"), "***");
  }
}

TEST(BackoffTest, FullJitterBetweenZeroAndAGrowingCappedBound) {
  RetryPolicy p;
  p.initial_backoff = 500ms;
  p.max_backoff = 8000ms;
  p.multiplier = 2.0;
  EXPECT_EQ(internal::backoff_delay(p, 1, 0.0), 0ms);
  EXPECT_EQ(internal::backoff_delay(p, 1, 0.5), 250ms);
  EXPECT_EQ(internal::backoff_delay(p, 1, 0.999999), 499ms);
  EXPECT_EQ(internal::backoff_delay(p, 2, 0.5), 500ms);
  EXPECT_EQ(internal::backoff_delay(p, 3, 0.5), 1000ms);
  EXPECT_EQ(internal::backoff_delay(p, 5, 0.5), 4000ms);
  // 500 * 2^5 = 16 s is over the cap of 8 s.
  EXPECT_EQ(internal::backoff_delay(p, 6, 0.5), 4000ms);
  EXPECT_EQ(internal::backoff_delay(p, 60, 0.5), 4000ms);
  EXPECT_EQ(internal::backoff_delay(p, 1000, 1.0), 8000ms);
}

TEST(BackoffTest, ZeroBackoffMeansNoPause) {
  RetryPolicy p;
  p.initial_backoff = 0ms;
  EXPECT_EQ(internal::backoff_delay(p, 3, 0.7), 0ms);
}

TEST(RetryRulesTest, ClassifiesMethodsAndStatuses) {
  EXPECT_TRUE(internal::is_idempotent("GET"));
  EXPECT_TRUE(internal::is_idempotent("PUT"));
  EXPECT_FALSE(internal::is_idempotent("POST"));
  EXPECT_FALSE(internal::is_idempotent("PATCH"));
  for (int status : {429, 503}) {
    EXPECT_TRUE(internal::is_retryable_status(status, false)) << status;
  }
  for (int status : {408, 500, 502, 504}) {
    EXPECT_FALSE(internal::is_retryable_status(status, false)) << status;
    EXPECT_TRUE(internal::is_retryable_status(status, true)) << status;
  }
  for (int status : {200, 400, 401, 403, 404, 409, 422, 501, 505}) {
    EXPECT_FALSE(internal::is_retryable_status(status, true)) << status;
  }
}

}  // namespace
}  // namespace pixxel
