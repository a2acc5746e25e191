#ifndef PIXXEL_PIPELINE_HPP_
#define PIXXEL_PIPELINE_HPP_

// The one way a call is sent: attempts, each following redirects, classified by the retry
// rules, reported to on_request, and retried after a delay. `Attempts` holds those steps; a
// blocking driver and an asynchronous one (on the client's AsyncEngine) take them. Not public
// API.

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <thread>

#include "async_engine.hpp"
#include "pixxel/options.hpp"
#include "pixxel/transport.hpp"
#include "retry_rules.hpp"
#include "settings.hpp"

namespace pixxel::internal {

// Steady time and sleeping, injectable so that the retry rules can be tested without waiting.
class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const { return std::chrono::steady_clock::now(); }
  virtual void sleep_for(std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); }
  // The real one, shared by every client.
  static Clock& real();
};

// One call: its first request and what it is sent by.
struct CallSpec {
  HttpRequest request;
  RetryPolicy retry;
  // With a sink, a 2xx body streams into it (blocking driver only).
  const StreamSink* sink = nullptr;
  // When set, makes each attempt's request from the call's (a download resumes where the
  // last attempt stopped).
  std::function<HttpRequest(const HttpRequest&)> prepare;
  // When set, has the last word on a 2xx answer: it may throw a pixxel::Error (a body
  // shorter than announced), which counts as the attempt's failure.
  std::function<void(const HttpResponse&)> check;
};

// One call's progress through its attempts and their redirect hops.
class Attempts {
 public:
  // What an attempt came to: the answer, or the error and, when it may be tried again, after
  // how long.
  struct Decision {
    HttpResponse response;
    std::exception_ptr error;
    std::optional<std::chrono::milliseconds> retry_in;
  };

  Attempts(const Settings& settings, CallSpec spec) : settings_(settings), spec_(std::move(spec)) {}

  const CallSpec& spec() const { return spec_; }

  // The request of the next attempt's first hop; `started` must follow once it is sent.
  const HttpRequest& start();
  // When the attempt's first hop was handed to the transport: its times count from there.
  void started(Clock::time_point when) { started_ = when; }
  // After a hop's answer: the next hop's request, or nullptr when the answer ends the
  // attempt. Throws pixxel::Error for a redirect it will not follow.
  const HttpRequest* next_hop(const HttpResponse& response, Clock::time_point now);
  // Ends the attempt with its answer or failure (a pixxel::Error), tells on_request, and
  // decides.
  Decision finish(HttpResponse response, std::exception_ptr failure, Clock::time_point now);

 private:
  const Settings& settings_;
  CallSpec spec_;
  HttpRequest first_;    // this attempt's request
  HttpRequest current_;  // the hop in flight
  int attempt_ = 0;
  int hop_ = 0;
  Clock::time_point started_;
};

// Runs `spec` to its end on the calling thread: the 2xx answer, or throws the last error.
HttpResponse run_blocking(const Settings& settings, CallSpec spec, Clock& clock);

// Runs `spec` on `engine`; `done` gets the 2xx answer or the last error, on the engine's
// thread. Retries wait on the engine's timers.
void run_async(const Settings& settings, AsyncEngine& engine, CallSpec spec,
               std::function<void(HttpResponse, std::exception_ptr)> done);

}  // namespace pixxel::internal

#endif  // PIXXEL_PIPELINE_HPP_
