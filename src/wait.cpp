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
bool is_retryable_poll_failure(const Error& error) {
  if (dynamic_cast<const TransportError*>(&error) != nullptr) return true;  // TimeoutError too
  const auto* api = dynamic_cast<const ApiError*>(&error);
  return api != nullptr && is_retryable_status(api->status_code(), /*may_repeat=*/true);
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

Clock::duration JobWait::time_left() {
  if (options_.timeout.count() == 0) return Clock::duration::max();
  const auto left = options_.timeout - (clock_.now() - started_);
  if (left > Clock::duration::zero()) return left;
  std::string what =
      "job " + job_id_ + " did not finish within " + std::to_string(options_.timeout.count()) +
      " ms (last status: " + (last_status_.empty() ? "none" : redact(last_status_, key_));
  if (!last_failure_.empty()) what += "; last poll failed: " + last_failure_;
  throw TimeoutError(what + ")", true);
}

std::optional<Job> JobWait::on_job(Job job) {
  last_status_ = job.status;
  last_failure_.clear();
  if (options_.on_update) options_.on_update(job);
  if (is_terminal_status(job.status)) return job;
  const Clock::duration left = time_left();
  // A poll right at the deadline comes before giving up. Rounded up: a rest under 1 ms cut to
  // 0 would poll in a busy loop until the deadline.
  nap_ = std::chrono::ceil<milliseconds>(std::min<Clock::duration>(interval_, left));
  interval_ = std::min(options_.max_poll_interval, interval_ + interval_ / 2);
  return std::nullopt;
}

void JobWait::on_error(std::exception_ptr error) {
  std::optional<milliseconds> retry_after;
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    if (!is_retryable_poll_failure(e)) throw;
    last_failure_ = redact(e.what(), key_);
    const Clock::duration left = time_left();
    if (options_.on_poll_error) options_.on_poll_error(e);
    if (const auto* api = dynamic_cast<const ApiError*>(&e)) retry_after = api->retry_after();
    // A server that said when to come back is believed, but never past the wait's deadline.
    const Clock::duration nap =
        std::max<Clock::duration>(interval_, retry_after.value_or(interval_));
    nap_ = std::chrono::ceil<milliseconds>(std::min(nap, left));
    interval_ = std::min(options_.max_poll_interval, interval_ + interval_ / 2);
  }
}

}  // namespace pixxel::internal
