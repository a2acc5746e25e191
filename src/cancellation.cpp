#include "pixxel/cancellation.hpp"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace pixxel {
namespace internal {

struct CancelState {
  std::atomic<bool> cancelled{false};
  std::mutex mutex;
  std::condition_variable done_running;
  std::map<std::uint64_t, std::function<void()>> callbacks;  // guarded by mutex
  std::uint64_t next_id = 1;                                 // guarded by mutex
  std::uint64_t running = 0;                                 // guarded by mutex
  std::thread::id canceller;                                 // guarded by mutex
};

}  // namespace internal

CancellationRegistration::CancellationRegistration(CancellationRegistration&& other) noexcept
    : state_(std::move(other.state_)), id_(other.id_) {
  other.id_ = 0;
}

CancellationRegistration& CancellationRegistration::operator=(
    CancellationRegistration&& other) noexcept {
  if (this != &other) {
    reset();
    state_ = std::move(other.state_);
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

void CancellationRegistration::reset() noexcept {
  if (!state_) return;
  {
    std::unique_lock<std::mutex> lock(state_->mutex);
    if (state_->callbacks.erase(id_) == 0 && state_->running == id_ &&
        state_->canceller != std::this_thread::get_id()) {
      // Running now on the cancelling thread: whatever it touches must outlive it.
      state_->done_running.wait(lock, [&] { return state_->running != id_; });
    }
  }
  state_.reset();
  id_ = 0;
}

bool CancellationToken::cancelled() const noexcept {
  return state_ && state_->cancelled.load(std::memory_order_acquire);
}

CancellationRegistration CancellationToken::on_cancel(std::function<void()> callback) const {
  CancellationRegistration registration;
  if (!state_) return registration;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (!state_->cancelled.load(std::memory_order_relaxed)) {
      registration.state_ = state_;
      registration.id_ = state_->next_id++;
      state_->callbacks.emplace(registration.id_, std::move(callback));
      return registration;
    }
  }
  callback();
  return registration;
}

CancellationSource::CancellationSource() : state_(std::make_shared<internal::CancelState>()) {}

bool CancellationSource::cancelled() const noexcept {
  return state_->cancelled.load(std::memory_order_acquire);
}

void CancellationSource::cancel() noexcept {
  std::unique_lock<std::mutex> lock(state_->mutex);
  if (state_->cancelled.exchange(true, std::memory_order_acq_rel)) return;
  state_->canceller = std::this_thread::get_id();
  // One at a time, each taken out under the lock, so that a registration destroyed meanwhile
  // either removes its callback first or waits for it to return.
  while (!state_->callbacks.empty()) {
    auto it = state_->callbacks.begin();
    const std::uint64_t id = it->first;
    std::function<void()> callback = std::move(it->second);
    state_->callbacks.erase(it);
    state_->running = id;
    lock.unlock();
    try {
      callback();
    } catch (...) {
      // A callback must not throw; one that does must not stop the others.
    }
    lock.lock();
    state_->running = 0;
    state_->done_running.notify_all();
  }
}

}  // namespace pixxel
