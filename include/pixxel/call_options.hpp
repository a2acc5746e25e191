#ifndef PIXXEL_CALL_OPTIONS_HPP_
#define PIXXEL_CALL_OPTIONS_HPP_

/// @file
/// `CallOptions`: settings of one call that override the client's.

#include <chrono>
#include <optional>

#include "pixxel/cancellation.hpp"
#include "pixxel/options.hpp"

namespace pixxel {

/// Settings for one call, given as the last argument of any client call. What is left empty
/// takes the client's `ClientOptions`; an override applies to that call alone.
///
/// @code
/// pixxel::CallOptions quick;
/// quick.timeout = std::chrono::seconds(2);
/// quick.retry = pixxel::RetryPolicy{};
/// quick.retry->max_retries = 0;
/// pixxel::Job job = client.get_job(wf, job_id, quick);
/// @endcode
///
/// @par Thread Safety
/// A `CallOptions` is read during the call; one may serve many calls at once.
struct CallOptions {
  /// Per attempt (as `ClientOptions::timeout`); empty: the client's. 0: no limit. For
  /// `save_download`, how long the download may stall.
  std::optional<std::chrono::milliseconds> timeout;
  /// Empty: the client's `ClientOptions::retry`. Checked like it (InvalidArgumentError).
  std::optional<RetryPolicy> retry;
  /// Cancels the call (`CancelledError`) when its source is cancelled; default: never.
  CancellationToken cancel;
};

}  // namespace pixxel

#endif  // PIXXEL_CALL_OPTIONS_HPP_
