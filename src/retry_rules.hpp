#ifndef PIXXEL_RETRY_RULES_HPP_
#define PIXXEL_RETRY_RULES_HPP_

// The retry rules of RetryPolicy: what an attempt came to, and whether and when to try again.
// Not public API.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "failure.hpp"
#include "pixxel/options.hpp"
#include "pixxel/transport.hpp"

namespace pixxel::internal {

// The pause before retry number `retry` (1 for the first retry): full jitter, i.e. `unit`
// (drawn uniformly from [0, 1)) times min(max_backoff, initial_backoff * multiplier^(retry-1)).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit);

// Whether an answer with this status is worth another attempt.
bool is_retryable_status(int status, bool may_repeat);

// What one attempt came to: a 2xx answer, or an error with its verdict.
struct Outcome {
  HttpResponse response;  // the 2xx answer, when there is no error
  std::optional<Failure> error;
  std::string error_text;  // the error's message, for the request log
  int status = 0;          // the answer's status; 0 when there was none
  bool retryable = false;
  std::optional<std::chrono::milliseconds> retry_after;
};

// Classifies an attempt of `request`: its answer, or its failure. A non-2xx answer becomes its
// api failure, with `secret` (the key) redacted from everything in it.
Outcome classify(const HttpRequest& request, const RetryPolicy& policy, HttpResponse response,
                 std::optional<Failure> failure, std::string_view secret);

// The pause before attempt `attempt + 1`, or nullopt when `outcome` is final: not retryable,
// out of attempts, or a Retry-After longer than the policy allows.
std::optional<std::chrono::milliseconds> next_delay(const RetryPolicy& policy,
                                                    const Outcome& outcome, int attempt);

}  // namespace pixxel::internal

#endif  // PIXXEL_RETRY_RULES_HPP_
