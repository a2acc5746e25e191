#ifndef PIXXEL_CLOCK_HPP_
#define PIXXEL_CLOCK_HPP_

// Steady time and sleeping for the blocking paths (the retry pauses of a call, the pauses of a
// wait), injectable so that their rules can be tested without waiting. Not public API.

#include <chrono>
#include <thread>

#include "pixxel/cancellation.hpp"

namespace pixxel::internal {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;
  virtual ~Clock() = default;
  virtual time_point now() const { return std::chrono::steady_clock::now(); }
  virtual void sleep_for(std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); }
  // Sleeps like sleep_for, but returns false as soon as `cancel` is cancelled (at once if it
  // already is). A token that cannot be cancelled sleeps through sleep_for.
  virtual bool nap(std::chrono::milliseconds delay, const CancellationToken& cancel);
  // The real one, shared by every client.
  static Clock& real();
};

}  // namespace pixxel::internal

#endif  // PIXXEL_CLOCK_HPP_
