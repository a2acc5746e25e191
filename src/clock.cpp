#include "clock.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>

namespace pixxel::internal {

Clock& Clock::real() {
  static Clock clock;
  return clock;
}

bool Clock::nap(std::chrono::milliseconds delay, const CancellationToken& cancel) {
  if (!cancel.can_be_cancelled()) {
    sleep_for(delay);
    return true;
  }
  struct Wake {
    std::mutex mutex;
    std::condition_variable cv;
    bool cancelled = false;
  };
  auto wake = std::make_shared<Wake>();
  auto registration = cancel.on_cancel([wake] {
    {
      std::lock_guard<std::mutex> lock(wake->mutex);
      wake->cancelled = true;
    }
    wake->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(wake->mutex);
  return !wake->cv.wait_for(lock, delay, [&] { return wake->cancelled; });
}

}  // namespace pixxel::internal
