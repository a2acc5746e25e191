// Fault injection: the latency before every /v0/ answer, the 429s and 503s a fraction of
// requests get, and the 500s a fraction of created jobs get. With a seed the sequence of
// faults is fixed whatever the rates and the timing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>

#include "mock_options.hpp"

namespace pixxel::mock::detail {

enum class Fault { kNone, kRateLimited, kUnavailable };

/// @par Thread Safety
/// Every member function may be called from any thread.
class FaultInjector {
 public:
  FaultInjector(const MockOptions& options, std::uint64_t seed);

  // Each throws std::invalid_argument for a value out of range.
  void set_fail_rate(double rate);
  void set_rate_limit_rate(double rate);
  void set_fail_after_create_rate(double rate);
  void set_latency(std::chrono::milliseconds latency);

  /// The fault for the next /v0/ request.
  Fault next_request_fault();
  /// Whether the next created job is answered 500 after it was stored.
  bool next_create_fails();
  /// Waits out the latency; returns early once `stop()` was called.
  void wait_latency();
  void stop();

 private:
  std::mutex mutex_;  // guards everything below
  std::condition_variable stopping_cv_;
  bool stopping_ = false;
  double fail_rate_ = 0;
  double rate_limit_rate_ = 0;
  double fail_after_create_rate_ = 0;
  std::chrono::milliseconds latency_{0};
  std::mt19937_64 request_rng_;
  std::mt19937_64 create_rng_;
};

}  // namespace pixxel::mock::detail
