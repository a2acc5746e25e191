#include "async_engine.hpp"

#include <pthread.h>

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

namespace pixxel::internal {

Failure shutdown_error(bool request_sent) {
  return Failure::transport("the client was destroyed before the call finished", request_sent);
}

namespace {

Failure cancelled_error(bool request_sent) {
  return Failure::cancelled(
      request_sent ? "cancelled; the transport cannot be interrupted, so the request may still "
                     "reach the server"
                   : "cancelled before it was sent",
      request_sent);
}

// What a user's transport handed to its Completion, read at that seam.
std::optional<Failure> read_error(const std::exception_ptr& error) {
  if (!error) return std::nullopt;
  return failure_of(error);
}

}  // namespace

WorkerPool::WorkerPool(std::size_t max_threads)
    : max_threads_(std::max<std::size_t>(1, max_threads)) {}

WorkerPool::~WorkerPool() {
  shutdown_.cancel();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  ready_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void WorkerPool::run(std::function<void()> job) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return;
  jobs_.push_back(std::move(job));
  if (idle_ >= jobs_.size() || threads_.size() >= max_threads_) {
    ready_.notify_one();
    return;
  }
  // Under the lock: the destructor joins every thread in threads_.
  threads_.emplace_back([this] { work(); });
}

void WorkerPool::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ++idle_;
    ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    --idle_;
    if (stopping_) return;
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // what it holds goes before the lock is taken again
    lock.lock();
  }
}

LinkedToken::LinkedToken(const CancellationToken& a, const CancellationToken& b) {
  from_a = a.on_cancel([s = source]() mutable { s.cancel(); });
  from_b = b.on_cancel([s = source]() mutable { s.cancel(); });
}

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

  State(std::size_t max, bool cancels, std::unique_ptr<LoopDriver> loop_driver)
      : max_in_flight(max < 1 ? 1 : max),
        transport_cancels(cancels),
        driver(std::move(loop_driver)) {}

  // No transport in here: a completion may hold the last reference to the state, on the
  // transport's own thread, and a transport must not be destroyed on its own thread.
  const std::size_t max_in_flight;
  const bool transport_cancels;  // it ends a cancelled exchange itself

  std::mutex mutex;
  // The loop thread's own I/O and wait, when the transport is a LoopTransport. Used on the
  // loop thread; other threads only wake() it, under the lock, while it is set (the loop
  // thread resets it under the lock before destroying it).
  std::unique_ptr<LoopDriver> driver;
  std::condition_variable wake;  // the loop thread, without a driver
  bool stopping = false;
  // The loop thread is in driver->wait(); `woken`: a wake() is owed to it already. Other
  // threads wake it only then, and once: a busy loop looks at its queues before it waits.
  bool polling = false;
  bool woken = false;
  std::deque<Submission> ready;                         // due, waiting for a slot
  std::multimap<Clock::time_point, Submission> timers;  // not due yet
  std::map<std::uint64_t, Callback> in_flight;
  std::deque<Completed> completed;  // from other threads
  std::uint64_t next_id = 0;
  // Cancellation: a registration per cancellable submission until its callback runs, and the
  // ids whose token was cancelled, for the loop to act on. Registrations are destroyed
  // without the lock: destroying one waits for its callback, which takes the lock.
  std::map<std::uint64_t, CancellationRegistration> registrations;
  std::vector<std::uint64_t> cancel_requests;

  // With the lock held: makes the loop thread look at its queues again.
  void wake_locked() {
    if (driver) {
      if (polling && !woken) {
        woken = true;
        driver->wake();
      }
    } else {
      wake.notify_one();
    }
  }

  // Runs on any thread: hands a finished exchange to the loop, unless it has stopped.
  void complete(std::uint64_t id, Result result) {
    std::lock_guard<std::mutex> lock(mutex);
    if (stopping) return;
    completed.push_back(Completed{id, std::move(result)});
    wake_locked();
  }

  // Loop thread, without the lock: an exchange of the driver ended; its callback runs now.
  void complete_here(std::uint64_t id, Result result) {
    Callback done;
    CancellationRegistration registration;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (stopping) return;
      auto it = in_flight.find(id);
      if (it == in_flight.end()) return;
      done = std::move(it->second);
      in_flight.erase(it);
      auto r = registrations.find(id);
      if (r != registrations.end()) {
        registration = std::move(r->second);
        registrations.erase(r);
      }
    }
    registration.reset();
    done(std::move(result));
  }

  bool can_start() const { return !ready.empty() && in_flight.size() < max_in_flight; }

  // Loop thread, with the lock held (released around each start): starts what is due, up to
  // the slots free.
  void start_ready(const std::shared_ptr<Transport>& transport, WorkerPool& workers,
                   std::unique_lock<std::mutex>& lock) {
    while (can_start()) {
      Submission s = std::move(ready.front());
      ready.pop_front();
      const std::uint64_t id = s.id;
      in_flight.emplace(id, std::move(s.done));
      const auto started = Clock::now();
      lock.unlock();
      if (driver) {
        try {
          LoopDriver::Done completion = [this, id, started](Delivery delivered) {
            complete_here(id, Result{std::move(delivered.response), std::move(delivered.failure),
                                     false, started});
          };
          if (s.stream != nullptr) {
            driver->start_streamed(std::move(s.request), std::move(completion),
                                   std::move(s.stream));
          } else {
            driver->start(std::move(s.request), std::move(completion));
          }
        } catch (...) {
          complete_here(id, Result{{}, failure_of(std::current_exception()), false, started});
        }
        lock.lock();
        continue;
      }
      bool async = false;
      try {
        async =
            transport->send_async(s.request, [weak = weak_from_this(), id, started](
                                                 HttpResponse response, std::exception_ptr error) {
              if (auto self = weak.lock()) {
                self->complete(id, Result{std::move(response), read_error(error), false, started});
              }
            });
      } catch (...) {
        complete(id, Result{{}, failure_of(std::current_exception()), false, started});
        async = true;
      }
      if (!async) send_on_worker(transport, workers, id, std::move(s.request), started);
      lock.lock();
    }
  }

  void send_on_worker(const std::shared_ptr<Transport>& transport, WorkerPool& workers,
                      std::uint64_t id, HttpRequest request, Clock::time_point started) {
    workers.run([self = shared_from_this(), transport, id, request = std::move(request), started,
                 shutdown = workers.shutdown()]() mutable {
      {
        std::lock_guard<std::mutex> lock(self->mutex);
        // Failed already by the shutdown (as possibly sent): better not sent at all.
        if (self->stopping) return;
      }
      // A transport that can be interrupted is, by the client's destruction too, which then
      // need not wait for it.
      std::optional<LinkedToken> link;
      if (self->transport_cancels) {
        link.emplace(request.cancel, shutdown);
        request.cancel = link->source.token();
      }
      Result result;
      result.started = started;
      try {
        result.response = transport->send(request);
      } catch (...) {
        // The transport's seam: what it throws is read here, once.
        result.error = failure_of(std::current_exception());
      }
      self->complete(id, std::move(result));
    });
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
        // The exchange cannot be stopped: it finishes unheard (its completion finds no id).
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

  // Whether the loop has something to do at once (with the lock held).
  bool busy(Clock::time_point now) const {
    return stopping || !completed.empty() || !cancel_requests.empty() || can_start() ||
           (!timers.empty() && timers.begin()->first <= now);
  }

  void loop(const std::shared_ptr<Transport>& transport, WorkerPool& workers) {
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
      if (!completed.empty()) {
        std::deque<Completed> batch;
        batch.swap(completed);
        for (auto& c : batch) {
          auto it = in_flight.find(c.id);
          if (it == in_flight.end()) continue;
          settle(c.id, std::move(it->second), std::move(c.result), owed);
          in_flight.erase(it);
        }
      }
      if (!owed.empty()) {
        pay(lock, owed);
        continue;
      }
      start_ready(transport, workers, lock);
      if (driver) {
        // Completions run in here, on this thread, without the lock.
        lock.unlock();
        driver->perform();
        lock.lock();
        if (busy(Clock::now())) continue;
        polling = true;
        woken = false;
        const auto deadline = timers.empty() ? Clock::time_point::max() : timers.begin()->first;
        lock.unlock();
        driver->wait(deadline);
        lock.lock();
        polling = false;
        continue;
      }
      auto ready_to_run = [&] {
        return stopping || !completed.empty() || !cancel_requests.empty() || can_start();
      };
      if (timers.empty()) {
        wake.wait(lock, ready_to_run);
      } else {
        wake.wait_until(lock, timers.begin()->first, ready_to_run);
      }
    }
    // Stopping. The driver's exchanges go first: their completions find `stopping` set.
    std::unique_ptr<LoopDriver> ending = std::move(driver);
    lock.unlock();
    ending.reset();
    lock.lock();
    // Everything still owed a callback gets one, on this thread.
    std::vector<std::pair<Callback, bool>> unpaid;
    for (auto& [id, done] : in_flight) unpaid.emplace_back(std::move(done), true);
    for (auto& s : ready) unpaid.emplace_back(std::move(s.done), false);
    for (auto& [when, s] : timers) unpaid.emplace_back(std::move(s.done), false);
    in_flight.clear();
    ready.clear();
    timers.clear();
    completed.clear();
    std::map<std::uint64_t, CancellationRegistration> unregister;
    unregister.swap(registrations);
    lock.unlock();
    unregister.clear();
    for (auto& [done, sent] : unpaid) done(Result{{}, shutdown_error(sent), true, {}});
  }
};

namespace {

std::unique_ptr<LoopDriver> driver_for(Transport& transport) {
  auto* loop_transport = dynamic_cast<LoopTransport*>(&transport);
  return loop_transport != nullptr ? loop_transport->make_loop_driver() : nullptr;
}

}  // namespace

AsyncEngine::AsyncEngine(std::shared_ptr<Transport> transport, std::size_t max_in_flight)
    : workers_(std::make_unique<WorkerPool>(max_in_flight)),
      state_(std::make_shared<State>(max_in_flight, transport->supports_cancellation(),
                                     driver_for(*transport))) {
  thread_ =
      std::thread([state = state_, transport = std::move(transport), workers = workers_.get()] {
#if defined(__linux__)
        // Named for whoever looks at the process's threads (top -H, a debugger, perf).
        pthread_setname_np(pthread_self(), "pixxel-loop");
#endif
        state->loop(transport, *workers);
      });
}

AsyncEngine::~AsyncEngine() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopping = true;
    state_->wake_locked();
  }
  thread_.join();
  workers_.reset();
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
  const bool cancellable = request.cancel.can_be_cancelled();
  const CancellationToken cancel = cancellable ? request.cancel : CancellationToken();
  std::uint64_t id = 0;
  // Registered before the submission is in place; a cancellation that comes first is found
  // again below, once it is.
  CancellationRegistration registration;
  if (cancellable) {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      id = state_->next_id++;
    }
    registration = cancel.on_cancel([weak = std::weak_ptr<State>(state_), id] {
      if (auto state = weak.lock()) {
        std::lock_guard<std::mutex> lock(state->mutex);
        state->cancel_requests.push_back(id);
        state->wake_locked();
      }
    });
  }
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (!cancellable) id = state_->next_id++;
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
      if (cancellable) {
        state_->registrations.emplace(id, std::move(registration));
        if (cancel.cancelled()) state_->cancel_requests.push_back(id);
      }
      state_->wake_locked();
    }
  }
  registration.reset();
  if (done) done(Result{{}, shutdown_error(false), true, {}});
}

}  // namespace pixxel::internal
