#ifndef PIXXEL_WAIT_OPTIONS_HPP_
#define PIXXEL_WAIT_OPTIONS_HPP_

/// @file
/// How `PixxelClient::wait_for_job` polls.

#include <chrono>
#include <functional>

#include "pixxel/errors.hpp"
#include "pixxel/models.hpp"

namespace pixxel {

/// Polling settings for `PixxelClient::wait_for_job`.
///
/// The first poll happens at once; the pause before each further poll starts at
/// `poll_interval` and grows by half each time, up to `max_poll_interval`.
///
/// A poll that fails with what the retry rules retry for a GET (429, 408, 500, 502, 503, 504,
/// a transport error or timeout), after that call's own retries, does not end the wait: it is
/// reported to `on_poll_error` and polling goes on at the same pace, so a wait rides out an
/// outage until the job ends or `timeout` passes (with no timeout, for as long as it lasts).
/// A `Retry-After` longer than the pause is honoured, up to the time left. Any other failure
/// (another 4xx, DecodeError, ResponseTooLargeError, ...) ends the wait at once.
///
/// @par Thread Safety
/// The callbacks run on the waiting thread; one `WaitOptions` may serve several waits at once
/// if its callbacks are thread-safe.
struct WaitOptions {
  std::chrono::milliseconds poll_interval{2000};       ///< First pause; must be positive.
  std::chrono::milliseconds max_poll_interval{30000};  ///< Longest pause.
  /// Give up after this (TimeoutError, naming the last status and, if the last poll failed,
  /// its error); 0 (the default): never, even through an outage.
  std::chrono::milliseconds timeout{0};
  /// Called with the job after every poll, on the waiting thread; it may throw to stop
  /// waiting (the exception reaches the caller).
  std::function<void(const Job&)> on_update;
  /// Called with the error of each failed poll that the wait rides out, on the waiting thread,
  /// before the pause. A failure that ends the wait (a permanent one, or one after which
  /// `timeout` has passed) is thrown instead, never passed here. It may throw to stop waiting
  /// (the exception reaches the caller). Empty (the default): failures are ridden out silently.
  std::function<void(const Error&)> on_poll_error;
};

}  // namespace pixxel

#endif  // PIXXEL_WAIT_OPTIONS_HPP_
