#ifndef PIXXEL_WAIT_HPP_
#define PIXXEL_WAIT_HPP_

// The rules of wait_for_job, once for the blocking wait (PixxelClient) and the asynchronous
// one (the real connection's loop): what a poll's job or failure means, and how long to pause
// before the next. Not public API.

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "clock.hpp"
#include "pixxel/models.hpp"
#include "pixxel/wait_options.hpp"

namespace pixxel::internal {

// Throws InvalidArgumentError for bad ids or WaitOptions, before any poll.
void check_wait_arguments(std::string_view workflow_id, std::string_view job_id,
                          const WaitOptions& options);

class JobWait {
 public:
  // `key` is redacted from what the wait reports; `clock` measures its timeout.
  JobWait(WaitOptions options, std::string job_id, std::string key, Clock& clock);

  // After a poll that answered `job`: the job when it is terminal, else nullopt and `pause()`
  // says how long to wait. Throws what on_update throws, and TimeoutError.
  std::optional<Job> on_job(Job job);
  // After a poll that failed with `error`: rethrows it unless the wait rides it out (then
  // `pause()` says how long to wait). Throws what on_poll_error throws, and TimeoutError.
  void on_error(std::exception_ptr error);
  // The pause before the next poll, whole milliseconds (at least 1 unless the time is up).
  std::chrono::milliseconds pause() const { return nap_; }

 private:
  Clock::duration time_left();

  const WaitOptions options_;
  const std::string job_id_;
  const std::string key_;
  Clock& clock_;
  const Clock::time_point started_;
  std::string last_status_;
  std::string last_failure_;  // the last poll's error, when it failed
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds nap_{0};
};

}  // namespace pixxel::internal

#endif  // PIXXEL_WAIT_HPP_
