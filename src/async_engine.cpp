#include "async_engine.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "pixxel/errors.hpp"

namespace pixxel::internal {

namespace {

std::exception_ptr shutdown_error(bool request_sent) {
  return std::make_exception_ptr(
      TransportError("the client was destroyed before the call finished", request_sent));
}

}  // namespace

struct AsyncEngine::State : std::enable_shared_from_this<State> {
  struct Submission {
    HttpRequest request;
    Callback done;
  };
  struct Completed {
    std::uint64_t id;
    Result result;
  };
  struct Work {
    std::uint64_t id;
    HttpRequest request;
    Clock::time_point started;
  };

  explicit State(std::size_t max) : max_in_flight(max < 1 ? 1 : max) {}

  // No transport in here: a completion may hold the last reference to the state, on the
  // transport's own thread, and a transport must not be destroyed on its own thread.
  const std::size_t max_in_flight;

  std::mutex mutex;
  std::condition_variable wake;        // the loop thread
  std::condition_variable work_ready;  // the workers
  bool stopping = false;
  std::deque<Submission> ready;                         // due, waiting for a slot
  std::multimap<Clock::time_point, Submission> timers;  // not due yet
  std::map<std::uint64_t, Callback> in_flight;
  std::deque<Completed> completed;
  std::uint64_t next_id = 0;
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
      const std::uint64_t id = next_id++;
      in_flight.emplace(id, std::move(s.done));
      const auto started = Clock::now();
      lock.unlock();
      bool async = false;
      try {
        async =
            transport->send_async(s.request, [weak = weak_from_this(), id, started](
                                                 HttpResponse response, std::exception_ptr error) {
              if (auto self = weak.lock()) {
                self->complete(id, Result{std::move(response), std::move(error), false, started});
              }
            });
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

  void loop(const std::shared_ptr<Transport>& transport) {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      const auto now = Clock::now();
      while (!timers.empty() && timers.begin()->first <= now) {
        ready.push_back(std::move(timers.begin()->second));
        timers.erase(timers.begin());
      }
      if (stopping) break;
      if (!completed.empty()) {
        std::deque<Completed> batch;
        batch.swap(completed);
        for (auto& c : batch) {
          auto it = in_flight.find(c.id);
          if (it == in_flight.end()) continue;
          Callback done = std::move(it->second);
          in_flight.erase(it);
          lock.unlock();
          done(std::move(c.result));
          lock.lock();
        }
        continue;
      }
      start_ready(transport, lock);
      const bool can_start = !ready.empty() && in_flight.size() < max_in_flight;
      if (can_start) continue;
      auto ready_to_run = [&] {
        return stopping || !completed.empty() ||
               (!ready.empty() && in_flight.size() < max_in_flight);
      };
      if (timers.empty()) {
        wake.wait(lock, ready_to_run);
      } else {
        wake.wait_until(lock, timers.begin()->first, ready_to_run);
      }
    }
    // Stopping: everything still owed a callback gets one, on this thread.
    std::vector<std::pair<Callback, bool>> owed;
    for (auto& [id, done] : in_flight) owed.emplace_back(std::move(done), true);
    for (auto& s : ready) owed.emplace_back(std::move(s.done), false);
    for (auto& [when, s] : timers) owed.emplace_back(std::move(s.done), false);
    in_flight.clear();
    ready.clear();
    timers.clear();
    work.clear();
    lock.unlock();
    work_ready.notify_all();
    for (auto& [done, sent] : owed) done(Result{{}, shutdown_error(sent), true, {}});
  }
};

AsyncEngine::AsyncEngine(std::shared_ptr<Transport> transport, std::size_t max_in_flight)
    : state_(std::make_shared<State>(max_in_flight)) {
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
                         bool continuation) {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (!state_->stopping) {
      State::Submission s{std::move(request), std::move(done)};
      if (continuation) {
        state_->ready.push_front(std::move(s));
      } else if (not_before > Clock::now()) {
        state_->timers.emplace(not_before, std::move(s));
      } else {
        state_->ready.push_back(std::move(s));
      }
      done = nullptr;
    }
  }
  if (done) {
    done(Result{{}, shutdown_error(false), true, {}});
    return;
  }
  state_->wake.notify_one();
}

}  // namespace pixxel::internal
