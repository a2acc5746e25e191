#ifndef PIXXEL_TESTS_SUPPORT_CONCURRENCY_HPP_
#define PIXXEL_TESTS_SUPPORT_CONCURRENCY_HPP_

// Waiting for a state instead of sleeping: what the tests use to prove that calls overlap,
// or that something does not block, without a timing window that a loaded machine misses.
// Every wait has a generous limit, so that a broken build fails its test instead of hanging.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

namespace pixxel::testing {

// Long enough for any loaded machine, short enough to fail within ctest's timeout.
constexpr std::chrono::seconds kGenerousWait{30};

// Polls `condition` until it holds; false if it still did not after `limit`.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds limit = kGenerousWait) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Closed until `open()`; then every wait returns at once.
class Gate {
 public:
  // True once the gate is open; false if `limit` passed first.
  bool wait(std::chrono::milliseconds limit = kGenerousWait) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, limit, [this] { return open_; });
  }
  void open() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Holds each caller of `arrive()` until `parties` callers are held at once, then lets that
// group go together; the next caller starts a new group. A server handler that arrives here
// answers only requests that are in flight side by side. A group that does not form within
// `limit` is let go, and so is everyone after it, so that the test fails rather than hangs.
class Rendezvous {
 public:
  Rendezvous(std::size_t parties, std::chrono::milliseconds limit = kGenerousWait)
      : parties_(parties), limit_(limit) {}

  // True if the caller's group formed; false if it gave up waiting (see `failed()`).
  bool arrive() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (broken_) return false;
    const std::size_t group = group_;
    if (++waiting_ == parties_) {
      waiting_ = 0;
      ++group_;
      cv_.notify_all();
      return true;
    }
    if (cv_.wait_for(lock, limit_, [&] { return group_ != group || broken_; })) {
      return group_ != group;
    }
    broken_ = true;
    cv_.notify_all();
    return false;
  }

  // Whether a group failed to form in time.
  bool failed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return broken_;
  }

 private:
  const std::size_t parties_;
  const std::chrono::milliseconds limit_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::size_t waiting_ = 0;
  std::size_t group_ = 0;
  bool broken_ = false;
};

// Runs `on_timeout` on a thread of its own if `disarm()` is not called within `limit`: how a
// test shows that something returns without blocking, and still ends when it does block.
class Watchdog {
 public:
  Watchdog(std::chrono::milliseconds limit, std::function<void()> on_timeout)
      : thread_([this, limit, on_timeout = std::move(on_timeout)] {
          if (!disarmed_.wait(limit)) {
            fired_ = true;
            on_timeout();
          }
        }) {}
  ~Watchdog() { disarm(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Stops the watchdog; true if it had not fired.
  bool disarm() {
    disarmed_.open();
    if (thread_.joinable()) thread_.join();
    return !fired_;
  }

 private:
  Gate disarmed_;
  bool fired_ = false;  // written by thread_ before it ends; read after join()
  std::thread thread_;
};

}  // namespace pixxel::testing

#endif  // PIXXEL_TESTS_SUPPORT_CONCURRENCY_HPP_
