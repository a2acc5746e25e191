#ifndef PIXXEL_ASYNC_ENGINE_HPP_
#define PIXXEL_ASYNC_ENGINE_HPP_

// One loop thread per client for its asynchronous calls: it holds the attempts that wait for
// their time (a retry's backoff is a timer, not a sleeping thread) or for a free slot (at most
// `max_in_flight` in flight), hands the others to the transport's asynchronous path, and runs
// every completion. The libcurl transport's multi handle is driven by this same thread (a
// LoopDriver): an attempt crosses no thread between its submission and its completion. A
// transport without an asynchronous path gets a pool of worker threads, no more than
// `max_in_flight`, reused from call to call, owned by the engine and joined by its
// destruction. Not public API.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "body_stream.hpp"
#include "failure.hpp"
#include "pixxel/cancellation.hpp"
#include "pixxel/transport.hpp"

namespace pixxel::internal {

// The failure of a call that the client's destruction ended.
Failure shutdown_error(bool request_sent);

// Threads for blocking sends that must not hold up the thread that asked for them: started on
// demand, at most `max_threads` at once, reused, and all joined by the pool's destruction.
class WorkerPool {
 public:
  explicit WorkerPool(std::size_t max_threads = std::numeric_limits<std::size_t>::max());
  // Cancels shutdown(), drops the jobs not started, and waits for the running ones to return:
  // a send that ignores cancellation runs to its end first.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `job` on a worker; it waits in a queue while `max_threads` are busy.
  void run(std::function<void()> job);
  // Cancelled when the pool is being destroyed, so that a job whose request is linked to it
  // (see linked) ends promptly on a transport that supports cancellation.
  CancellationToken shutdown() const { return shutdown_.token(); }

 private:
  void work();

  const std::size_t max_threads_;
  CancellationSource shutdown_;
  std::mutex mutex_;
  std::condition_variable ready_;
  bool stopping_ = false;
  std::deque<std::function<void()>> jobs_;
  std::size_t idle_ = 0;
  std::vector<std::thread> threads_;
};

// A token cancelled as soon as either `a` or `b` is, valid while the link lives.
struct LinkedToken {
  LinkedToken(const CancellationToken& a, const CancellationToken& b);
  CancellationSource source;
  CancellationRegistration from_a;
  CancellationRegistration from_b;
};

// An asynchronous path that the engine's loop thread drives itself (the libcurl transport's
// multi handle), instead of a thread of its own. Every member but wake() is called on the
// loop thread only.
class LoopDriver {
 public:
  using Clock = std::chrono::steady_clock;
  // How an exchange ended: its answer or its failure.
  using Done = std::function<void(Delivery)>;
  virtual ~LoopDriver() = default;
  // Starts `request`. `done` runs exactly once, on the loop thread, inside a later perform()
  // (or the driver's destruction, with a transport failure saying so). A cancelled
  // `request.cancel` ends the exchange with a cancellation (the driver wakes itself).
  virtual void start(HttpRequest request, Done done) = 0;
  // The same, with a 2xx body going to `stream` as it arrives (see BodyStream) where the
  // driver can; this default keeps it whole.
  virtual void start_streamed(HttpRequest request, Done done,
                              std::shared_ptr<BodyStream> /*stream*/) {
    start(std::move(request), std::move(done));
  }
  // Moves the transfers on and runs the completions of those that ended.
  virtual void perform() = 0;
  // Waits until there is I/O to do, wake() was called, or `deadline` (or the driver's own
  // next timeout) comes.
  virtual void wait(Clock::time_point deadline) = 0;
  // Any thread: ends the wait() under way, or makes the next one return at once.
  virtual void wake() = 0;
};

// Implemented by a transport whose asynchronous path a client's loop can drive: each engine
// gets a driver of its own (a CurlTransport shared by two clients drives one per client).
class LoopTransport {
 public:
  virtual std::unique_ptr<LoopDriver> make_loop_driver() = 0;

 protected:
  ~LoopTransport() = default;
};

class AsyncEngine {
 public:
  using Clock = std::chrono::steady_clock;

  // How an exchange ended: an answer or a failure, or the engine's shutdown (the client was
  // destroyed), in which case the failure says so and nothing may be retried. `started` is
  // when the request was handed to the transport.
  struct Result {
    HttpResponse response;
    std::optional<Failure> error;
    bool shutting_down = false;
    Clock::time_point started;
    // Cancelled (through the request's token) before it was handed to the transport; the
    // failure is a cancellation that says nothing was sent.
    bool cancelled_unsent = false;
  };
  // Called exactly once per submission, on the loop thread. It may submit again.
  using Callback = std::function<void(Result)>;

  // Starts the loop thread (and, for a LoopTransport, its driver).
  AsyncEngine(std::shared_ptr<Transport> transport, std::size_t max_in_flight);
  // Stops the loop: every submission in flight, queued or waiting for its time gets its
  // callback with `shutting_down` set, then the loop thread is joined. Then the worker
  // threads are: a transport's blocking send that ignores cancellation is waited for (its
  // answer goes unheard); one that supports it is cancelled.
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

  // For a transport without an asynchronous path; joined after the loop thread.
  std::unique_ptr<WorkerPool> workers_;
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace pixxel::internal

#endif  // PIXXEL_ASYNC_ENGINE_HPP_
