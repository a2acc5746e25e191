#include "faults.hpp"

#include "option_checks.hpp"
#include "random.hpp"

namespace pixxel::mock::detail {

FaultInjector::FaultInjector(const MockOptions& options, std::uint64_t seed)
    : fail_rate_(options.fail_rate),
      rate_limit_rate_(options.rate_limit_rate),
      fail_after_create_rate_(options.fail_after_create_rate),
      latency_(options.latency),
      request_rng_(seed),
      // The job store's ids draw from splitmix64(seed): a generator of its own for each.
      create_rng_(splitmix64(splitmix64(seed))) {}

void FaultInjector::set_fail_rate(double rate) {
  check_rate(rate, "fail_rate");
  std::lock_guard<std::mutex> lock(mutex_);
  fail_rate_ = rate;
}

void FaultInjector::set_rate_limit_rate(double rate) {
  check_rate(rate, "rate_limit_rate");
  std::lock_guard<std::mutex> lock(mutex_);
  rate_limit_rate_ = rate;
}

void FaultInjector::set_fail_after_create_rate(double rate) {
  check_rate(rate, "fail_after_create_rate");
  std::lock_guard<std::mutex> lock(mutex_);
  fail_after_create_rate_ = rate;
}

void FaultInjector::set_latency(std::chrono::milliseconds latency) {
  check_not_negative(latency, "latency");
  std::lock_guard<std::mutex> lock(mutex_);
  latency_ = latency;
}

Fault FaultInjector::next_request_fault() {
  std::lock_guard<std::mutex> lock(mutex_);
  // Both draws always happen, so a seed gives the same sequence whatever the rates.
  const double limited = unit_interval(request_rng_);
  const double failed = unit_interval(request_rng_);
  if (limited < rate_limit_rate_) return Fault::kRateLimited;
  if (failed < fail_rate_) return Fault::kUnavailable;
  return Fault::kNone;
}

bool FaultInjector::next_create_fails() {
  std::lock_guard<std::mutex> lock(mutex_);
  return unit_interval(create_rng_) < fail_after_create_rate_;
}

void FaultInjector::wait_latency() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (latency_.count() > 0) {
    stopping_cv_.wait_for(lock, latency_, [this] { return stopping_; });
  }
}

void FaultInjector::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stopping_cv_.notify_all();
}

}  // namespace pixxel::mock::detail
