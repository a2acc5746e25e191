// The pipeline's failure value and the public exceptions: every pixxel error read into a
// Failure and made again is the same type with the same fields, so carrying failures as
// values inside the SDK changes nothing a caller sees.

#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "failure.hpp"
#include "pixxel/cancellation.hpp"
#include "pixxel/client.hpp"
#include "pixxel/errors.hpp"
#include "redirect.hpp"
#include "support/fake_transport.hpp"

namespace pixxel::internal {
namespace {

using std::chrono::milliseconds;

// `error` read into a Failure and made into an exception again.
std::exception_ptr again(const std::exception_ptr& error) {
  return to_exception(failure_of(error));
}

template <typename E>
const E& as(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const E& e) {
    thread_local std::exception_ptr keep;
    keep = std::current_exception();
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected " << typeid(E).name() << ", got " << typeid(e).name() << ": "
                  << e.what();
  }
  throw std::logic_error("not reached");
}

template <typename E>
void expect_same_type(const std::exception_ptr& a, const std::exception_ptr& b) {
  EXPECT_EQ(typeid(as<E>(a)), typeid(as<E>(b)));
  EXPECT_STREQ(as<E>(a).what(), as<E>(b).what());
}

TEST(FailureTest, TransportErrorsKeepTheirTypeMessageAndWhetherTheRequestWasSent) {
  for (bool sent : {false, true}) {
    auto t = std::make_exception_ptr(TransportError("POST https://x/v0: reset", sent));
    expect_same_type<TransportError>(t, again(t));
    EXPECT_EQ(as<TransportError>(again(t)).request_sent(), sent);
    auto timeout = std::make_exception_ptr(TimeoutError("timed out", sent));
    expect_same_type<TimeoutError>(timeout, again(timeout));
    EXPECT_EQ(as<TimeoutError>(again(timeout)).request_sent(), sent);
    auto cancelled = std::make_exception_ptr(CancelledError("cancelled", sent));
    expect_same_type<CancelledError>(cancelled, again(cancelled));
    EXPECT_EQ(as<CancelledError>(again(cancelled)).request_sent(), sent);
  }
  auto refused = std::make_exception_ptr(RedirectRefused("redirect to http refused"));
  expect_same_type<RedirectRefused>(refused, again(refused));
}

TEST(FailureTest, ApiErrorsAreTheSubclassOfTheirStatusWithEveryField) {
  const std::string body =
      R"({"error":{"code":"quota","message":"out of tokens","details":{"left":0}}})";
  auto error = to_exception(api_failure(429, body, "req-9", milliseconds(1500), "pxk_secret"));
  const std::exception_ptr made = again(error);
  expect_same_type<RateLimitError>(error, made);
  const ApiError& api = as<ApiError>(made);
  EXPECT_EQ(api.status_code(), 429);
  EXPECT_EQ(api.code(), "quota");
  EXPECT_EQ(api.message(), "out of tokens");
  EXPECT_EQ(api.details(), nlohmann::json({{"left", 0}}));
  EXPECT_EQ(api.body(), body);
  EXPECT_EQ(api.request_id(), "req-9");
  EXPECT_EQ(api.retry_after(), milliseconds(1500));
  // Each status the public API names is its own subclass; any other is a plain ApiError.
  const std::vector<std::pair<int, std::type_index>> kTypes = {
      {400, typeid(BadRequestError)},       {401, typeid(AuthenticationError)},
      {403, typeid(PermissionDeniedError)}, {404, typeid(NotFoundError)},
      {409, typeid(ConflictError)},         {422, typeid(UnprocessableEntityError)},
      {429, typeid(RateLimitError)},        {500, typeid(ServerError)},
      {503, typeid(ServerError)},           {418, typeid(ApiError)}};
  for (const auto& [status, type] : kTypes) {
    const auto made_for_status = to_exception(api_failure(status, "{}", "", std::nullopt, ""));
    // Bound first: typeid of a call is evaluated, which clang warns of.
    const ApiError& api_error = as<ApiError>(made_for_status);
    EXPECT_EQ(std::type_index(typeid(api_error)), type) << status;
    EXPECT_STREQ(
        api_error.what(),
        ("Pixxel API error " + std::to_string(status) + ": " + reason_phrase(status)).c_str());
  }
}

TEST(FailureTest, TheOtherErrorsKeepTheirFields) {
  auto decode = std::make_exception_ptr(DecodeError("tasks[3].progress", "bad", 200, "req-1"));
  expect_same_type<DecodeError>(decode, again(decode));
  EXPECT_EQ(as<DecodeError>(again(decode)).path(), "tasks[3].progress");
  EXPECT_EQ(as<DecodeError>(again(decode)).request_id(), "req-1");
  auto big = std::make_exception_ptr(ResponseTooLargeError("too large", 1024));
  expect_same_type<ResponseTooLargeError>(big, again(big));
  EXPECT_EQ(as<ResponseTooLargeError>(again(big)).limit(), 1024u);
  auto config = std::make_exception_ptr(ConfigurationError("no key", "api_key"));
  expect_same_type<ConfigurationError>(config, again(config));
  EXPECT_EQ(as<ConfigurationError>(again(config)).option(), "api_key");
  auto argument = std::make_exception_ptr(InvalidArgumentError("empty id"));
  expect_same_type<InvalidArgumentError>(argument, again(argument));
  auto plain = std::make_exception_ptr(Error("custom transport failed"));
  expect_same_type<Error>(plain, again(plain));
}

TEST(FailureTest, TheOutcomeTravelsWithTheFailure) {
  const auto when = std::chrono::system_clock::now();
  auto error = std::make_exception_ptr(TransportError("reset", true));
  ErrorOutcome::set(error, true, when);
  const Failure f = failure_of(error);
  EXPECT_TRUE(f.outcome_unknown);
  EXPECT_EQ(f.sent_at, when);
  EXPECT_TRUE(as<Error>(to_exception(f)).outcome_unknown());
  EXPECT_EQ(as<Error>(to_exception(f)).sent_at(), when);
}

TEST(FailureTest, AnythingElsePassesThroughAsItIs) {
  auto foreign = std::make_exception_ptr(std::bad_alloc());
  const Failure f = failure_of(foreign);
  EXPECT_EQ(f.kind, Failure::Kind::foreign);
  EXPECT_EQ(to_exception(f), foreign);
}

TEST(FailureTest, RedactionReachesEveryTextIncludingWhatIsReadFromAnApiBody) {
  const std::string key = "pxk_live_abcdefghijklmnop";
  const Failure api =
      api_failure(400, R"({"error":{"code":"c","message":"bad key pxk_live_abcdefghijklmnop"}})",
                  "req " + key, std::nullopt, "");
  const Failure clean = redacted(api, key);
  EXPECT_EQ(clean.what.find(key), std::string::npos) << clean.what;
  EXPECT_EQ(clean.message.find(key), std::string::npos) << clean.message;
  EXPECT_EQ(clean.body.find(key), std::string::npos) << clean.body;
  EXPECT_EQ(clean.request_id.find(key), std::string::npos) << clean.request_id;
  const Failure t = redacted(Failure::transport("GET https://h/?k=" + key, false), key);
  EXPECT_EQ(t.what.find(key), std::string::npos) << t.what;
  EXPECT_FALSE(t.request_sent);
  EXPECT_TRUE(as_sent(t).request_sent);
}

// A custom transport's (or callback's) own error types: the failure value stands in for them
// inside the SDK only, so that they reach the caller as they were thrown.
class ProxyQuotaError : public TransportError {
 public:
  explicit ProxyQuotaError(const std::string& what) : TransportError(what, false) {}
};

class StopWaiting : public Error {
 public:
  StopWaiting() : Error("the caller stopped the wait") {}
};

constexpr char kKey[] = "pxk_failure_abcdefghijklmnop";

PixxelClient client_over(std::shared_ptr<Transport> transport) {
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = "http://127.0.0.1:1";
  o.transport = std::move(transport);
  o.retry.max_retries = 0;
  return PixxelClient(o);
}

TEST(FailureTest, ACustomTransportsOwnErrorReachesTheCallerAsItWasThrown) {
  auto transport = std::make_shared<testing::FakeTransport>();
  transport->then_throw(ProxyQuotaError("proxy quota used up"));
  PixxelClient client = client_over(transport);
  EXPECT_THROW(client.get_job("wf-1", "job-1"), ProxyQuotaError);
  auto future = client.get_job_async("wf-1", "job-1");
  EXPECT_THROW(future.get(), ProxyQuotaError);
  // Not a pixxel::Error at all: passed on untouched.
  auto foreign = std::make_shared<testing::FakeTransport>();
  foreign->then_throw(std::out_of_range("the transport's own bug"));
  EXPECT_THROW(client_over(foreign).get_job("wf-1", "job-1"), std::out_of_range);
}

TEST(FailureTest, ACustomErrorThatSpellsTheKeyLeavesAsItsPixxelTypeWithTheKeyRedacted) {
  auto transport = std::make_shared<testing::FakeTransport>();
  transport->then_throw(ProxyQuotaError(std::string("proxy refused key ") + kKey));
  PixxelClient client = client_over(transport);
  try {
    client.get_job("wf-1", "job-1");
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_EQ(dynamic_cast<const ProxyQuotaError*>(&e), nullptr);
    EXPECT_EQ(std::string(e.what()).find(kKey), std::string::npos) << e.what();
    EXPECT_FALSE(e.request_sent());
  }
}

TEST(FailureTest, WhatAWaitsCallbackThrowsEndsTheWaitAsItWasThrown) {
  auto transport = std::make_shared<testing::FakeTransport>();
  transport->then_throw(TransportError("connection reset", true));
  PixxelClient client = client_over(transport);
  WaitOptions wait;
  wait.poll_interval = std::chrono::milliseconds(1);
  wait.max_poll_interval = std::chrono::milliseconds(1);
  std::string reported;
  wait.on_poll_error = [&](const Error& e) {
    reported = e.what();
    throw StopWaiting();
  };
  EXPECT_THROW(client.wait_for_job("wf-1", "job-1", wait), StopWaiting);
  EXPECT_EQ(reported.find("connection reset"), 0u) << reported;
  auto future = client.wait_for_job_async("wf-1", "job-1", wait);
  EXPECT_THROW(future.get(), StopWaiting);
}

}  // namespace
}  // namespace pixxel::internal
