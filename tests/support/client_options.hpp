#ifndef PIXXEL_TESTS_SUPPORT_CLIENT_OPTIONS_HPP_
#define PIXXEL_TESTS_SUPPORT_CLIENT_OPTIONS_HPP_

// Options that many suites give their clients, and a recorder of what on_request reports.

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "pixxel/options.hpp"
#include "pixxel/request_event.hpp"
#include "pixxel/wait_options.hpp"

namespace pixxel::testing {

// A client of `base_url` with `key` whose retries come 1 to 5 ms apart, so that a suite of
// retried calls runs in milliseconds; each attempt may take 10 s, so a test against a server
// that hangs fails instead of waiting for the default. `observer` gets every RequestEvent.
inline ClientOptions fast_retry_options(std::string base_url, std::string key,
                                        std::function<void(const RequestEvent&)> observer = {}) {
  ClientOptions o;
  o.api_key = std::move(key);
  o.base_url = std::move(base_url);
  o.timeout = std::chrono::seconds(10);
  o.retry.initial_backoff = std::chrono::milliseconds(1);
  o.retry.max_backoff = std::chrono::milliseconds(5);
  o.on_request = std::move(observer);
  return o;
}

// A wait that polls every `interval` and never slows down.
inline WaitOptions quick_wait(std::chrono::milliseconds interval = std::chrono::milliseconds(1)) {
  WaitOptions wait;
  wait.poll_interval = interval;
  wait.max_poll_interval = interval;
  return wait;
}

// Keeps every RequestEvent a client reports, from whichever thread reports it.
class RequestEvents {
 public:
  // For ClientOptions::on_request; this object must outlive the client's calls.
  std::function<void(const RequestEvent&)> observer() {
    return [this](const RequestEvent& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      events_.push_back(e);
    };
  }
  std::vector<RequestEvent> all() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  // Each event's status, in the order reported (0 for an attempt without an answer).
  std::vector<int> statuses() const {
    std::vector<int> out;
    for (const RequestEvent& e : all()) out.push_back(e.status_code);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<RequestEvent> events_;
};

}  // namespace pixxel::testing

#endif  // PIXXEL_TESTS_SUPPORT_CLIENT_OPTIONS_HPP_
