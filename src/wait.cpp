#include "wait.hpp"

#include <algorithm>
#include <utility>

#include "endpoints.hpp"
#include "pixxel/errors.hpp"
#include "pixxel/parse.hpp"
#include "redact.hpp"
#include "retry_rules.hpp"

namespace pixxel::internal {

using std::chrono::milliseconds;

namespace {

// Whether a failed poll is worth polling again: the retry rules' verdict for a GET, so that a
// wait tolerates exactly what one call retries, only for longer.
bool is_retryable_poll_failure(const Failure& failure) {
  if (failure.is_transport()) return true;  // TimeoutError too
  return failure.kind == Failure::Kind::api &&
         is_retryable_status(failure.status, /*may_repeat=*/true);
}

}  // namespace

void check_wait_arguments(std::string_view workflow_id, std::string_view job_id,
                          const WaitOptions& options) {
  validate_id("workflow_id", workflow_id);
  validate_id("job_id", job_id);
  if (options.poll_interval.count() <= 0) {
    throw InvalidArgumentError("WaitOptions::poll_interval must be positive");
  }
  if (options.max_poll_interval < options.poll_interval) {
    throw InvalidArgumentError("WaitOptions::max_poll_interval must not be below poll_interval");
  }
  if (options.timeout.count() < 0) {
    throw InvalidArgumentError("WaitOptions::timeout must not be negative");
  }
}

JobWait::JobWait(WaitOptions options, std::string job_id, std::string key, Clock& clock)
    : options_(std::move(options)),
      job_id_(std::move(job_id)),
      key_(std::move(key)),
      clock_(clock),
      started_(clock.now()),
      interval_(options_.poll_interval) {}

std::optional<Clock::duration> JobWait::time_left() const {
  if (options_.timeout.count() == 0) return Clock::duration::max();
  const auto left = options_.timeout - (clock_.now() - started_);
  if (left > Clock::duration::zero()) return left;
  return std::nullopt;
}

Failure JobWait::timed_out() const {
  std::string what =
      "job " + job_id_ + " did not finish within " + std::to_string(options_.timeout.count()) +
      " ms (last status: " + (last_status_.empty() ? "none" : redact(last_status_, key_));
  if (!last_failure_.empty()) what += "; last poll failed: " + last_failure_;
  return Failure::timeout(what + ")", true);
}

JobWait::Step JobWait::on_job(Job job) {
  last_status_ = job.status;
  last_failure_.clear();
  if (options_.on_update) {
    // The caller's callback: what it throws ends the wait, as it was thrown.
    try {
      options_.on_update(job);
    } catch (...) {
      return {std::nullopt, failure_of(std::current_exception())};
    }
  }
  if (is_terminal_status(job.status)) return {std::move(job), std::nullopt};
  const std::optional<Clock::duration> left = time_left();
  if (!left) return {std::nullopt, timed_out()};
  // A poll right at the deadline comes before giving up. Rounded up: a rest under 1 ms cut to
  // 0 would poll in a busy loop until the deadline.
  nap_ = std::chrono::ceil<milliseconds>(std::min<Clock::duration>(interval_, *left));
  interval_ = std::min(options_.max_poll_interval, interval_ + interval_ / 2);
  return {};
}

std::optional<Failure> JobWait::on_error(Failure error) {
  if (!is_retryable_poll_failure(error)) return error;
  last_failure_ = redact(error.what, key_);
  const std::optional<Clock::duration> left = time_left();
  if (!left) return timed_out();
  if (options_.on_poll_error) {
    // The caller's callback is a boundary: it gets the public exception, and what it throws
    // ends the wait, as it was thrown.
    try {
      try {
        raise(error);
      } catch (const Error& e) {
        options_.on_poll_error(e);
      }
    } catch (...) {
      return failure_of(std::current_exception());
    }
  }
  // A server that said when to come back is believed, but never past the wait's deadline.
  const std::optional<milliseconds> retry_after =
      error.kind == Failure::Kind::api ? error.retry_after : std::nullopt;
  const Clock::duration nap = std::max<Clock::duration>(interval_, retry_after.value_or(interval_));
  nap_ = std::chrono::ceil<milliseconds>(std::min(nap, *left));
  interval_ = std::min(options_.max_poll_interval, interval_ + interval_ / 2);
  return std::nullopt;
}

}  // namespace pixxel::internal
