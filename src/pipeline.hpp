#ifndef PIXXEL_PIPELINE_HPP_
#define PIXXEL_PIPELINE_HPP_

// The one way a call is sent: attempts, each following redirects, classified by the retry
// rules, reported to on_request, and retried after a delay. `Attempts` holds those steps; a
// blocking driver and an asynchronous one (on the client's AsyncEngine) take them. Not public
// API.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "async_engine.hpp"
#include "body_stream.hpp"
#include "clock.hpp"
#include "failure.hpp"
#include "pixxel/cancellation.hpp"
#include "pixxel/options.hpp"
#include "pixxel/transport.hpp"
#include "retry_rules.hpp"
#include "settings.hpp"

namespace pixxel::internal {

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
  // shorter than announced), which counts as the attempt's failure; anything else it throws
  // ends the call at once, as it is.
  std::function<void(const HttpResponse&)> check;
  // With a stream, a 2xx body goes to it as it arrives where the transport is the SDK's own
  // libcurl one (see BodyStream); any other transport answers with the whole body.
  std::shared_ptr<BodyStream> stream;
};

// One call's progress through its attempts and their redirect hops.
class Attempts {
 public:
  // What an attempt came to: the answer, or the failure and, when it may be tried again, after
  // how long.
  struct Decision {
    HttpResponse response;
    std::optional<Failure> error;
    std::optional<std::chrono::milliseconds> retry_in;
  };
  // Where a hop's answer leads: the next hop's request, or nullptr when the answer ends the
  // attempt, or the refusal of a redirect the client will not follow.
  struct Hop {
    const HttpRequest* next = nullptr;
    std::optional<Failure> refused;
  };

  Attempts(const Settings& settings, CallSpec spec) : settings_(settings), spec_(std::move(spec)) {}

  const CallSpec& spec() const { return spec_; }

  // The request of the next attempt's first hop; `started` must follow once it is sent.
  const HttpRequest& start();
  // When the attempt's first hop was handed to the transport: its times count from there.
  // `wall` is the same moment on the system clock (what Error::sent_at() reports).
  void started(Clock::time_point when,
               std::chrono::system_clock::time_point wall = std::chrono::system_clock::now()) {
    started_ = when;
    started_wall_ = wall;
  }
  // After a hop's answer: where it leads (see Hop).
  Hop next_hop(const HttpResponse& response, Clock::time_point now);
  // Ends the attempt with its answer or failure, tells on_request, and decides. A
  // cancellation is final, and says the request was sent when any attempt may have reached
  // the server. What spec.check throws that is not a pixxel::Error ends the call at once, as
  // it is, untold.
  Decision finish(HttpResponse response, std::optional<Failure> failure, Clock::time_point now);

  // The call's cancellation, and its failure between attempts.
  const CancellationToken& cancel() const { return spec_.request.cancel; }
  Failure cancelled_error() const;

  // Ends the call with `error` from outside an attempt (the transport shutting down), with
  // what the call's attempts and this one's end say of its outcome.
  Failure abandon(Failure error);

 private:
  const Settings& settings_;
  CallSpec spec_;
  // This attempt's request: spec_.request itself, or what spec_.prepare made of it. Neither it
  // nor the first hop is copied: most calls have one attempt of one hop.
  const HttpRequest& first() const { return prepared_ ? *prepared_ : spec_.request; }
  // The hop in flight.
  const HttpRequest& current() const { return redirected_ ? *redirected_ : first(); }

  std::optional<HttpRequest> prepared_;
  std::optional<HttpRequest> redirected_;  // the hop in flight after a redirect
  int attempt_ = 0;
  int hop_ = 0;
  // Whether the call's request is one that must not be repeated unasked (a POST).
  bool paid() const;
  // Records what this attempt's end (`status`, or `failure` when it had no answer) says of
  // the call's outcome.
  void note_outcome(int status, const std::optional<Failure>& failure);
  // `error` with the call's outcome on it (Error::outcome_unknown(), Error::sent_at()).
  Failure concluded(Failure error) const;

  Clock::time_point started_;
  std::chrono::system_clock::time_point started_wall_;
  bool sent_ = false;  // an attempt may have reached the server (and acted on the request)
  // When the first attempt that may have reached the server started.
  std::optional<std::chrono::system_clock::time_point> sent_at_;
  // A paid request may have been acted on without the call knowing what came of it: sticky,
  // since a later attempt's answer says nothing of what an earlier one did. Once set, the
  // request is not sent again unless RetryPolicy::retry_non_idempotent.
  bool unknown_ = false;
};

// Sends one request through `transport` on the calling thread (streamed into `sink` if set).
// A transport that cannot be interrupted is, for a cancellable request, run on one of
// `workers` (the client's, joined by its destruction), so that a cancellation returns at once
// (CancelledError) and the exchange goes on unheard; the sink is no longer called after that.
// Without `workers` such a send runs on the calling thread, and a cancellation waits for it.
// What the transport throws comes back as the failure.
Delivery send_cancellable(const std::shared_ptr<Transport>& transport, const HttpRequest& request,
                          const StreamSink* sink, WorkerPool* workers = nullptr,
                          const std::shared_ptr<BodyStream>& stream = nullptr);

// Runs `spec` to its end on the calling thread: the 2xx answer, or the last failure. Throws
// nothing of its own. `workers`: see send_cancellable.
Delivery run_call(const Settings& settings, CallSpec spec, Clock& clock,
                  WorkerPool* workers = nullptr);

// run_call, with the failure raised as its public exception.
HttpResponse run_blocking(const Settings& settings, CallSpec spec, Clock& clock,
                          WorkerPool* workers = nullptr);

// Runs `spec` on `engine`; `done` gets the 2xx answer or the last failure, on the engine's
// thread. Retries wait on the engine's timers.
void run_async(const Settings& settings, AsyncEngine& engine, CallSpec spec,
               std::function<void(Delivery)> done);

}  // namespace pixxel::internal

#endif  // PIXXEL_PIPELINE_HPP_
