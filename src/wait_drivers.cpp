#include "wait_drivers.hpp"

#include <exception>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "async_engine.hpp"
#include "clock.hpp"
#include "connection_impl.hpp"
#include "pixxel/cancellation.hpp"
#include "pixxel/errors.hpp"
#include "wait.hpp"

namespace pixxel::internal {

Job wait_blocking(Connection& connection, std::string_view workflow_id, std::string_view job_id,
                  const WaitOptions& wait, const CallOptions& call) {
  check_wait_arguments(workflow_id, job_id, wait);
  Clock& clock = Clock::real();
  JobWait rules(wait, std::string(job_id), connection.options().api_key, clock);
  const auto cancelled = [&] {
    return CancelledError("waiting for job " + std::string(job_id) + ": cancelled", false);
  };
  for (;;) {
    if (call.cancel.cancelled()) throw cancelled();
    JobWait::Step step;
    try {
      step.done = connection.get_job(workflow_id, job_id, call);
    } catch (const Error&) {
      // The Connection's seam (perhaps a mock): its error is read here.
      step.failed = rules.on_error(failure_of(std::current_exception()));
    }
    if (step.done) step = rules.on_job(std::move(*step.done));
    if (step.failed) raise(*step.failed);
    if (step.done) return std::move(*step.done);
    if (!clock.nap(rules.pause(), call.cancel)) throw cancelled();
  }
}

namespace {

// The threads of wait_on_thread. Each is joined: by the next wait to start once it ended, and
// when the program exits, after the waits still running are cancelled; so no wait runs on
// after the SDK's statics (nor polls a mock whose test framework is gone). A process-wide
// owner rather than one per client: a wait must go on after the last copy of its client (the
// future alone keeps it wanted), and the future's shared state cannot own the thread, whose
// promise holds that state until the wait ends.
class WaitThreads {
 public:
  static WaitThreads& instance() {
    static WaitThreads threads;
    return threads;
  }

  ~WaitThreads() {
    std::vector<std::thread*> threads;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (Entry& entry : entries_) {
        entry.stop.cancel();
        threads.push_back(&entry.thread);
      }
    }
    for (std::thread* thread : threads) {
      if (thread->get_id() == std::this_thread::get_id()) {
        // exit() called from this wait's own callback: a thread cannot join itself, and it is
        // ending the process anyway.
        thread->detach();
      } else if (thread->joinable()) {
        thread->join();
      }
    }
  }

  // Runs `body` on a thread of its own; `stop` is cancelled if the program exits first.
  template <typename Body>
  void start(Body body, CancellationSource stop) {
    std::list<Entry> ended;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = entries_.begin(); it != entries_.end();) {
        auto entry = it++;
        if (entry->finished) ended.splice(ended.end(), entries_, entry);
      }
      entries_.emplace_back();
      const auto entry = std::prev(entries_.end());
      entry->stop = std::move(stop);
      try {
        // The thread marks its end under the lock held here, so it cannot before it is stored.
        entry->thread = std::thread([this, entry, body = std::move(body)]() mutable {
          body();
          std::lock_guard<std::mutex> done(mutex_);
          entry->finished = true;
        });
      } catch (...) {
        entries_.erase(entry);
        throw;
      }
    }
    for (Entry& entry : ended) entry.thread.join();
  }

 private:
  WaitThreads() = default;

  struct Entry {
    std::thread thread;
    CancellationSource stop;
    bool finished = false;
  };

  std::mutex mutex_;
  std::list<Entry> entries_;
};

}  // namespace

std::future<Job> wait_on_thread(std::shared_ptr<Connection> connection, std::string workflow_id,
                                std::string job_id, WaitOptions wait, CallOptions call) {
  std::promise<Job> promise;
  std::future<Job> future = promise.get_future();
  try {
    check_wait_arguments(workflow_id, job_id, wait);
  } catch (const Error&) {
    promise.set_exception(std::current_exception());
    return future;
  }
  // The caller's token, and the program's exit, each cancel the wait.
  CancellationSource stop;
  CancellationRegistration follow = call.cancel.on_cancel([stop]() mutable { stop.cancel(); });
  call.cancel = stop.token();
  WaitThreads::instance().start(
      [connection = std::move(connection), workflow_id = std::move(workflow_id),
       job_id = std::move(job_id), wait = std::move(wait), call = std::move(call),
       follow = std::move(follow), promise = std::move(promise)]() mutable {
        std::optional<Job> done;
        std::exception_ptr error;
        try {
          done = wait_blocking(*connection, workflow_id, job_id, wait, call);
        } catch (...) {
          error = std::current_exception();
        }
        // Let go of the connection before the caller can see the answer: it must not outlive
        // the wait on this thread (a mock checks its expectations when destroyed).
        connection.reset();
        follow.reset();
        if (error) {
          promise.set_exception(error);
        } else {
          promise.set_value(std::move(*done));
        }
      },
      stop);
  return future;
}

namespace {

// A wait_for_job_async between its steps, owned by the loop's callbacks: each poll is an
// asynchronous get_job, each pause a timer of the loop.
struct AsyncWait : std::enable_shared_from_this<AsyncWait> {
  AsyncWait(RealConnection& c, std::string_view workflow, std::string_view job, WaitOptions wait,
            CallOptions call_options)
      : connection(c),
        workflow_id(workflow),
        job_id(job),
        call(std::move(call_options)),
        rules(std::move(wait), job_id, c.options().api_key, c.clock()) {}

  RealConnection& connection;
  const std::string workflow_id;
  const std::string job_id;
  const CallOptions call;
  JobWait rules;
  std::promise<Job> promise;

  void poll() {
    connection.start_get_job(
        workflow_id, job_id, call,
        [self = shared_from_this()](std::optional<Job> job, std::optional<Failure> failure) {
          self->on_poll(std::move(job), std::move(failure));
        });
  }

  // The wait's end, as the caller sees it: the public exception is made here.
  void fail(const Failure& failure) { promise.set_exception(to_exception(failure)); }

  void on_poll(std::optional<Job> job, std::optional<Failure> failure) {
    if (connection.closing()) {
      // The client is gone: nothing to ride out, nobody to poll for.
      if (failure) {
        fail(*failure);
      } else {
        fail(shutdown_error(false));
      }
      return;
    }
    JobWait::Step step;
    if (failure) {
      step.failed = rules.on_error(std::move(*failure));
    } else {
      step = rules.on_job(std::move(*job));
    }
    if (step.failed) {
      fail(*step.failed);
      return;
    }
    if (step.done) {
      promise.set_value(std::move(*step.done));
      return;
    }
    connection.engine().schedule(AsyncEngine::Clock::now() + rules.pause(), call.cancel,
                                 [self = shared_from_this()](AsyncEngine::Result result) {
                                   if (result.cancelled_unsent) {
                                     self->fail(Failure::cancelled(
                                         "waiting for job " + self->job_id + ": cancelled", false));
                                   } else if (result.error) {
                                     self->fail(*result.error);
                                   } else if (self->connection.closing()) {
                                     self->fail(shutdown_error(false));
                                   } else {
                                     self->poll();
                                   }
                                 });
  }
};

}  // namespace

std::future<Job> wait_on_loop(RealConnection& connection, std::string_view workflow_id,
                              std::string_view job_id, const WaitOptions& wait,
                              const CallOptions& call) {
  std::promise<Job> failed;
  try {
    check_wait_arguments(workflow_id, job_id, wait);
  } catch (const Error&) {
    failed.set_exception(std::current_exception());
    return failed.get_future();
  }
  auto waiting = std::make_shared<AsyncWait>(connection, workflow_id, job_id, wait, call);
  std::future<Job> future = waiting->promise.get_future();
  waiting->poll();
  return future;
}

}  // namespace pixxel::internal
