#ifndef PIXXEL_ASYNC_ENGINE_HPP_
#define PIXXEL_ASYNC_ENGINE_HPP_

// One loop thread per client for its asynchronous calls: it holds the attempts that wait for
// their time (a retry's backoff is a timer, not a sleeping thread) or for a free slot (at most
// `max_in_flight` in flight), hands the others to the transport's asynchronous path, and runs
// every completion. A transport without one gets a pool of worker threads, no more than
// `max_in_flight`, reused from call to call. Not public API.

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <thread>

#include "body_stream.hpp"
#include "pixxel/transport.hpp"

namespace pixxel::internal {

// The error of a call that the client's destruction ended.
std::exception_ptr shutdown_error(bool request_sent);

class AsyncEngine {
 public:
  using Clock = std::chrono::steady_clock;

  // How an exchange ended: an answer or an error (a pixxel exception), or the engine's
  // shutdown (the client was destroyed), in which case the error says so and nothing may be
  // retried. `started` is when the request was handed to the transport.
  struct Result {
    HttpResponse response;
    std::exception_ptr error;
    bool shutting_down = false;
    Clock::time_point started;
    // Cancelled (through the request's token) before it was handed to the transport; the
    // error is a CancelledError that says nothing was sent.
    bool cancelled_unsent = false;
  };
  // Called exactly once per submission, on the loop thread. It may submit again.
  using Callback = std::function<void(Result)>;

  AsyncEngine(std::shared_ptr<Transport> transport, std::size_t max_in_flight);
  // Stops the loop: every submission in flight, queued or waiting for its time gets its
  // callback with `shutting_down` set, then the thread is joined. It does not wait for the
  // transport: an exchange still running there finishes unheard.
  ~AsyncEngine();
  AsyncEngine(const AsyncEngine&) = delete;
  AsyncEngine& operator=(const AsyncEngine&) = delete;

  // Sends `request` once `not_before` has come and a slot is free. A `continuation` (the next
  // hop of an attempt whose callback is running) goes ahead of everything queued. When
  // `request.cancel` is cancelled first, `done` gets a CancelledError at once: still waiting
  // (`cancelled_unsent`), or in flight on a transport that cannot be interrupted (the
  // exchange finishes unheard). A transport that supports cancellation ends it itself.
  // With a `stream`, a 2xx body goes to it as it arrives when the transport is the SDK's
  // own libcurl one (see BodyStream); other transports answer with whole bodies.
  void submit(HttpRequest request, Callback done, Clock::time_point not_before = {},
              bool continuation = false, std::shared_ptr<BodyStream> stream = nullptr);

  // Calls `done` (with an empty Result) at `when`, on the loop thread, without taking a slot:
  // a pause of an asynchronous wait. Cancelled through `cancel`, it gets a CancelledError at
  // once (`cancelled_unsent`).
  void schedule(Clock::time_point when, const CancellationToken& cancel, Callback done);

 private:
  struct State;
  void add(HttpRequest request, Callback done, Clock::time_point not_before, bool continuation,
           bool timer_only, std::shared_ptr<BodyStream> stream = nullptr);

  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace pixxel::internal

#endif  // PIXXEL_ASYNC_ENGINE_HPP_
