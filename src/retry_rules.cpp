#include "retry_rules.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

#include "http_date.hpp"
#include "http_method.hpp"
#include "redact.hpp"

namespace pixxel::internal {

using std::chrono::milliseconds;

milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit) {
  double bound = static_cast<double>(policy.initial_backoff.count()) *
                 std::pow(policy.multiplier, std::max(0, retry - 1));
  bound = std::min(bound, static_cast<double>(policy.max_backoff.count()));
  if (!(bound > 0)) return milliseconds(0);
  return milliseconds(static_cast<milliseconds::rep>(bound * std::clamp(unit, 0.0, 1.0)));
}

bool is_retryable_status(int status, bool may_repeat) {
  // The server asked us to come back, or said it did nothing: always safe.
  if (status == 429 || status == 503) return true;
  return may_repeat && (status == 408 || status == 500 || status == 502 || status == 504);
}

Outcome classify(const HttpRequest& request, const RetryPolicy& policy, HttpResponse response,
                 std::optional<Failure> failure, std::string_view secret) {
  // A repeated POST can create a second, paid-for job: only when the caller accepts that.
  const bool may_repeat = is_idempotent(request.method) || policy.retry_non_idempotent;
  Outcome out;
  if (failure) {
    out.error = redacted(std::move(*failure), secret);
    out.error_text = out.error->what;
    // Before the request left, nothing can have happened on the server; a refused redirect
    // would be refused again.
    const Failure::Kind kind = out.error->kind;
    out.retryable = (kind == Failure::Kind::transport || kind == Failure::Kind::timeout) &&
                    (!out.error->request_sent || may_repeat);
    return out;
  }
  out.status = response.status_code;
  if (out.status >= 200 && out.status <= 299) {
    out.response = std::move(response);
    return out;
  }
  if (auto value = find_header(response.headers, "Retry-After")) {
    out.retry_after = parse_retry_after(*value, std::chrono::system_clock::now());
  }
  out.error = api_failure(
      out.status, redact(std::move(response.body), secret),
      redact(find_header(response.headers, "X-Request-Id").value_or(std::string()), secret),
      out.retry_after, secret);
  out.error_text = out.error->what;
  out.retryable = is_retryable_status(out.status, may_repeat);
  return out;
}

std::optional<milliseconds> next_delay(const RetryPolicy& policy, const Outcome& outcome,
                                       int attempt) {
  if (!outcome.retryable || attempt > policy.max_retries) return std::nullopt;
  if (outcome.retry_after) {
    // Waiting longer than the caller allowed would hide a stall; give up instead.
    if (*outcome.retry_after > policy.max_retry_after) return std::nullopt;
    return *outcome.retry_after;
  }
  // Full jitter: many clients failing together do not retry together.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return backoff_delay(policy, attempt, std::uniform_real_distribution<double>(0.0, 1.0)(rng));
}

}  // namespace pixxel::internal
