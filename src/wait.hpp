#ifndef PIXXEL_WAIT_HPP_
#define PIXXEL_WAIT_HPP_

// The rules of wait_for_job, once for the blocking wait (PixxelClient) and the asynchronous
// one (the real connection's loop): what a poll's job or failure means, and how long to pause
// before the next. Not public API.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "clock.hpp"
#include "failure.hpp"
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

  // What a poll came to for the wait: the terminal job, or the failure that ends the wait;
  // neither when it goes on after `pause()`.
  struct Step {
    std::optional<Job> done;
    std::optional<Failure> failed;
  };

  // After a poll that answered `job`. Ends the wait with what on_update throws, and when the
  // time is up (TimeoutError).
  Step on_job(Job job);
  // After a poll that failed with `error`: ends the wait with it, unless the wait rides it out.
  // Ends it too with what on_poll_error throws, and when the time is up (TimeoutError).
  std::optional<Failure> on_error(Failure error);
  // The pause before the next poll, whole milliseconds (at least 1 unless the time is up).
  std::chrono::milliseconds pause() const { return nap_; }

 private:
  // The time left, or nothing when it is up (then timed_out() says so).
  std::optional<Clock::duration> time_left() const;
  Failure timed_out() const;

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
