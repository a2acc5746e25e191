#ifndef PIXXEL_WAIT_OPTIONS_HPP_
#define PIXXEL_WAIT_OPTIONS_HPP_

/// @file
/// How `PixxelClient::wait_for_job` polls.

#include <chrono>
#include <functional>

#include "pixxel/models.hpp"

namespace pixxel {

/// Polling settings for `PixxelClient::wait_for_job`.
///
/// The first poll happens at once; the pause before each further poll starts at
/// `poll_interval` and grows by half each time, up to `max_poll_interval`.
struct WaitOptions {
  std::chrono::milliseconds poll_interval{2000};       ///< First pause; must be positive.
  std::chrono::milliseconds max_poll_interval{30000};  ///< Longest pause.
  std::chrono::milliseconds timeout{0};  ///< Give up (TimeoutError) after this; 0: never.
  /// Called with the job after every poll, on the waiting thread; it may throw to stop
  /// waiting (the exception reaches the caller).
  std::function<void(const Job&)> on_update;
};

}  // namespace pixxel

#endif  // PIXXEL_WAIT_OPTIONS_HPP_
