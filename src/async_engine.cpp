#include "async_engine.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "pixxel/cancellation.hpp"
#include "pixxel/errors.hpp"

namespace pixxel::internal {

std::exception_ptr shutdown_error(bool request_sent) {
  return std::make_exception_ptr(
      TransportError("the client was destroyed before the call finished", request_sent));
}

namespace {

std::exception_ptr cancelled_error(bool request_sent) {
  return std::make_exception_ptr(CancelledError(
      request_sent ? "cancelled; the transport cannot be interrupted, so the request may still "
                     "reach the server"
                   : "cancelled before it was sent",
      request_sent));
}

}  // namespace

struct AsyncEngine::State : std::enable_shared_from_this<State> {
  struct Submission {
    std::uint64_t id;
    HttpRequest request;
    Callback done;
    bool timer_only = false;
    std::shared_ptr<BodyStream> stream;
  };
  struct Completed {
    std::uint64_t id;
    Result result;
  };
  struct Owed {
    Callback done;
    Result result;
    CancellationRegistration registration;
  };
  struct Work {
    std::uint64_t id;
    HttpRequest request;
    Clock::time_point started;
  };

  State(std::size_t max, bool cancels)
      : max_in_flight(max < 1 ? 1 : max), transport_cancels(cancels) {}

  // No transport in here: a completion may hold the last reference to the state, on the
  // transport's own thread, and a transport must not be destroyed on its own thread.
  const std::size_t max_in_flight;
  const bool transport_cancels;  // it ends a cancelled exchange itself

  std::mutex mutex;
  std::condition_variable wake;        // the loop thread
  std::condition_variable work_ready;  // the workers
  bool stopping = false;
  std::deque<Submission> ready;                         // due, waiting for a slot
  std::multimap<Clock::time_point, Submission> timers;  // not due yet
  std::map<std::uint64_t, Callback> in_flight;
  std::deque<Completed> completed;
  std::uint64_t next_id = 0;
  // Cancellation: a registration per cancellable submission until its callback runs, and the
  // ids whose token was cancelled, for the loop to act on. Registrations are destroyed
  // without the lock: destroying one waits for its callback, which takes the lock.
  std::map<std::uint64_t, CancellationRegistration> registrations;
  std::vector<std::uint64_t> cancel_requests;
  // The worker pool, for a transport without an asynchronous path.
  std::deque<Work> work;
  std::size_t workers = 0;
  std::size_t idle_workers = 0;

  // Runs on any thread: hands a finished exchange to the loop, unless it has stopped.
  void complete(std::uint64_t id, Result result) {
    bool first = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (stopping) return;
      first = completed.empty();
      completed.push_back(Completed{id, std::move(result)});
    }
    // The loop takes every completion queued when it wakes, so only the first of a burst
    // needs to wake it; waking it for each would hand the lock back and forth.
    if (first) wake.notify_one();
  }

  // Called with the lock held: starts a worker if none is idle and the pool may grow.
  void dispatch_to_worker(const std::shared_ptr<Transport>& transport, Work item) {
    work.push_back(std::move(item));
    if (idle_workers > 0 || workers >= max_in_flight) {
      work_ready.notify_one();
      return;
    }
    ++workers;
    // Detached: a send may block for its whole timeout, and destroying the client must not
    // wait for it. The worker keeps the state and the transport alive until it is done.
    std::thread([self = shared_from_this(), transport] { self->work_loop(*transport); }).detach();
  }

  void work_loop(Transport& transport) {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      ++idle_workers;
      work_ready.wait(lock, [&] { return stopping || !work.empty(); });
      --idle_workers;
      if (stopping) break;
      Work item = std::move(work.front());
      work.pop_front();
      lock.unlock();
      Result result;
      result.started = item.started;
      try {
        result.response = transport.send(item.request);
      } catch (...) {
        result.error = std::current_exception();
      }
      complete(item.id, std::move(result));
      lock.lock();
    }
    --workers;
  }

  // Loop thread: starts what is due, up to the slots free. Called without the lock.
  void start_ready(const std::shared_ptr<Transport>& transport,
                   std::unique_lock<std::mutex>& lock) {
    while (!ready.empty() && in_flight.size() < max_in_flight) {
      Submission s = std::move(ready.front());
      ready.pop_front();
      const std::uint64_t id = s.id;
      in_flight.emplace(id, std::move(s.done));
      const auto started = Clock::now();
      lock.unlock();
      bool async = false;
      try {
        Transport::Completion completion = [weak = weak_from_this(), id, started](
                                               HttpResponse response, std::exception_ptr error) {
          if (auto self = weak.lock()) {
            self->complete(id, Result{std::move(response), std::move(error), false, started});
          }
        };
        auto* streaming =
            s.stream != nullptr ? dynamic_cast<BodyStreamingTransport*>(transport.get()) : nullptr;
        async = streaming != nullptr
                    ? streaming->send_async_streamed(s.request, s.stream, std::move(completion))
                    : transport->send_async(s.request, std::move(completion));
      } catch (...) {
        complete(id, Result{{}, std::current_exception(), false, started});
        async = true;
      }
      lock.lock();
      if (!async && !stopping) {
        dispatch_to_worker(transport, Work{id, std::move(s.request), started});
      }
    }
  }

  // Takes the callback owed for `id` out of `owed`'s way, with its registration.
  void settle(std::uint64_t id, Callback done, Result result, std::vector<Owed>& owed) {
    CancellationRegistration registration;
    auto it = registrations.find(id);
    if (it != registrations.end()) {
      registration = std::move(it->second);
      registrations.erase(it);
    }
    owed.push_back(Owed{std::move(done), std::move(result), std::move(registration)});
  }

  // With the lock held: what the cancelled tokens end, into `owed`.
  void take_cancelled(std::vector<Owed>& owed) {
    std::vector<std::uint64_t> ids;
    ids.swap(cancel_requests);
    for (std::uint64_t id : ids) {
      Result unsent{{}, cancelled_error(false), false, {}, true};
      auto r = std::find_if(ready.begin(), ready.end(), [&](const auto& s) { return s.id == id; });
      if (r != ready.end()) {
        settle(id, std::move(r->done), std::move(unsent), owed);
        ready.erase(r);
        continue;
      }
      auto t = std::find_if(timers.begin(), timers.end(),
                            [&](const auto& entry) { return entry.second.id == id; });
      if (t != timers.end()) {
        settle(id, std::move(t->second.done), std::move(unsent), owed);
        timers.erase(t);
        continue;
      }
      auto f = in_flight.find(id);
      if (f != in_flight.end() && !transport_cancels) {
        // The exchange cannot be stopped: it finishes unheard (complete() finds no id).
        settle(id, std::move(f->second), Result{{}, cancelled_error(true), false, {}}, owed);
        in_flight.erase(f);
      }
    }
  }

  static void pay(std::unique_lock<std::mutex>& lock, std::vector<Owed>& owed) {
    if (owed.empty()) return;
    lock.unlock();
    for (auto& o : owed) {
      o.registration.reset();
      o.done(std::move(o.result));
    }
    owed.clear();
    lock.lock();
  }

  void loop(const std::shared_ptr<Transport>& transport) {
    std::unique_lock<std::mutex> lock(mutex);
    std::vector<Owed> owed;
    for (;;) {
      const auto now = Clock::now();
      while (!timers.empty() && timers.begin()->first <= now) {
        Submission s = std::move(timers.begin()->second);
        timers.erase(timers.begin());
        if (s.timer_only) {
          settle(s.id, std::move(s.done), Result{}, owed);
        } else {
          ready.push_back(std::move(s));
        }
      }
      if (stopping) break;
      take_cancelled(owed);
      if (!owed.empty()) {
        pay(lock, owed);
        continue;
      }
      if (!completed.empty()) {
        std::deque<Completed> batch;
        batch.swap(completed);
        for (auto& c : batch) {
          auto it = in_flight.find(c.id);
          if (it == in_flight.end()) continue;
          settle(c.id, std::move(it->second), std::move(c.result), owed);
          in_flight.erase(it);
        }
        pay(lock, owed);
        continue;
      }
      start_ready(transport, lock);
      const bool can_start = !ready.empty() && in_flight.size() < max_in_flight;
      if (can_start) continue;
      auto ready_to_run = [&] {
        return stopping || !completed.empty() || !cancel_requests.empty() ||
               (!ready.empty() && in_flight.size() < max_in_flight);
      };
      if (timers.empty()) {
        wake.wait(lock, ready_to_run);
      } else {
        wake.wait_until(lock, timers.begin()->first, ready_to_run);
      }
    }
    // Stopping: everything still owed a callback gets one, on this thread.
    std::vector<std::pair<Callback, bool>> unpaid;
    for (auto& [id, done] : in_flight) unpaid.emplace_back(std::move(done), true);
    for (auto& s : ready) unpaid.emplace_back(std::move(s.done), false);
    for (auto& [when, s] : timers) unpaid.emplace_back(std::move(s.done), false);
    in_flight.clear();
    ready.clear();
    timers.clear();
    work.clear();
    std::map<std::uint64_t, CancellationRegistration> unregister;
    unregister.swap(registrations);
    lock.unlock();
    work_ready.notify_all();
    unregister.clear();
    for (auto& [done, sent] : unpaid) done(Result{{}, shutdown_error(sent), true, {}});
  }
};

AsyncEngine::AsyncEngine(std::shared_ptr<Transport> transport, std::size_t max_in_flight)
    : state_(std::make_shared<State>(max_in_flight, transport->supports_cancellation())) {
  thread_ =
      std::thread([state = state_, transport = std::move(transport)] { state->loop(transport); });
}

AsyncEngine::~AsyncEngine() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  thread_.join();
}

void AsyncEngine::submit(HttpRequest request, Callback done, Clock::time_point not_before,
                         bool continuation, std::shared_ptr<BodyStream> stream) {
  add(std::move(request), std::move(done), not_before, continuation, false, std::move(stream));
}

void AsyncEngine::schedule(Clock::time_point when, const CancellationToken& cancel, Callback done) {
  HttpRequest request;
  request.cancel = cancel;
  // Never "due now" as a request would be: a timer always goes through `timers`.
  add(std::move(request), std::move(done), std::max(when, Clock::time_point(Clock::duration(1))),
      false, true);
}

void AsyncEngine::add(HttpRequest request, Callback done, Clock::time_point not_before,
                      bool continuation, bool timer_only, std::shared_ptr<BodyStream> stream) {
  const CancellationToken cancel = request.cancel;
  std::uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    id = state_->next_id++;
  }
  // Registered before the submission is in place; a cancellation that comes first is found
  // again below, once it is.
  CancellationRegistration registration;
  if (cancel.can_be_cancelled()) {
    registration = cancel.on_cancel([weak = std::weak_ptr<State>(state_), id] {
      if (auto state = weak.lock()) {
        {
          std::lock_guard<std::mutex> lock(state->mutex);
          state->cancel_requests.push_back(id);
        }
        state->wake.notify_one();
      }
    });
  }
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (!state_->stopping) {
      State::Submission s{id, std::move(request), std::move(done), timer_only, std::move(stream)};
      if (continuation) {
        state_->ready.push_front(std::move(s));
      } else if (timer_only || not_before > Clock::now()) {
        state_->timers.emplace(not_before, std::move(s));
      } else {
        state_->ready.push_back(std::move(s));
      }
      done = nullptr;
      if (cancel.can_be_cancelled()) {
        state_->registrations.emplace(id, std::move(registration));
        if (cancel.cancelled()) state_->cancel_requests.push_back(id);
      }
    }
  }
  registration.reset();
  if (done) {
    done(Result{{}, shutdown_error(false), true, {}});
    return;
  }
  state_->wake.notify_one();
}

}  // namespace pixxel::internal
