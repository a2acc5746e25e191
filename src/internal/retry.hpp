#ifndef PIXXEL_INTERNAL_RETRY_HPP_
#define PIXXEL_INTERNAL_RETRY_HPP_

// The retry rules of RetryPolicy, as pure functions. Not public API.

#include <chrono>
#include <string_view>

#include "pixxel/export.hpp"
#include "pixxel/options.hpp"

namespace pixxel::internal {

// The pause before retry number `retry` (1 for the first retry): full jitter, i.e. `unit`
// (drawn uniformly from [0, 1)) times min(max_backoff, initial_backoff * multiplier^(retry-1)).
// Exported, though internal, like the rest of this header: the tests call them against a
// shared library too.
PIXXEL_EXPORT std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry,
                                                      double unit);

// Whether a method may be sent twice without a second effect (RFC 9110 idempotent methods).
PIXXEL_EXPORT bool is_idempotent(std::string_view method);

// Whether an answer with this status is worth another attempt.
PIXXEL_EXPORT bool is_retryable_status(int status, bool may_repeat);

}  // namespace pixxel::internal

#endif  // PIXXEL_INTERNAL_RETRY_HPP_
