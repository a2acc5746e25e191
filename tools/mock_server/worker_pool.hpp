// The threads that serve the mock's connections.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pixxel::mock::detail {

/// A task queue for httplib::Server::new_task_queue that starts a thread whenever a task finds
/// every thread busy, up to `max_threads`, and keeps its threads until `shutdown()`.
///
/// httplib serves each connection on one task from accept to close, idle keep-alive waits
/// included, so a fixed pool of N threads serves only N clients that keep their connections:
/// the next one waits until one of them has been idle for the keep-alive timeout. Growing on
/// demand serves as many clients as there are threads, and an idle server costs no threads.
/// Past `max_threads`, tasks wait for a thread to come free.
///
/// @par Thread Safety
/// `enqueue` and `shutdown` may be called from any thread; httplib calls them from its accept
/// loop.
class WorkerPool final : public httplib::TaskQueue {
 public:
  explicit WorkerPool(std::size_t max_threads);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void enqueue(std::function<void()> task) override;
  /// Runs the tasks already queued, then joins every thread.
  void shutdown() override;

 private:
  void work();

  const std::size_t max_threads_;
  std::mutex mutex_;  // guards everything below
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;  // threads waiting for a task
  bool shutting_down_ = false;
};

}  // namespace pixxel::mock::detail
