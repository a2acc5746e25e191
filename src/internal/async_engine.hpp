#ifndef PIXXEL_INTERNAL_ASYNC_ENGINE_HPP_
#define PIXXEL_INTERNAL_ASYNC_ENGINE_HPP_

// One libcurl multi loop on one thread, keeping many requests in flight for a client's
// asynchronous calls. Not public API.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "internal/curl_handles.hpp"
#include "pixxel/transport.hpp"

namespace pixxel::internal {

// How an exchange ended: an answer, or an error (a pixxel exception), or the engine's
// shutdown (the client was destroyed), in which case the error says so and nothing may be
// retried.
struct AsyncResult {
  HttpResponse response;
  std::exception_ptr error;
  bool shutting_down = false;
  // When the exchange left the queue and was handed to libcurl: the start of its own clock,
  // which is later than the time it was submitted for whenever the engine was busy.
  std::chrono::steady_clock::time_point started{};
};

class AsyncEngine {
 public:
  using Clock = std::chrono::steady_clock;
  // Called exactly once per submission, on the engine's thread. It may submit again.
  using Callback = std::function<void(AsyncResult)>;

  // Starts the loop thread. At most `max_in_flight` exchanges run at once; the rest wait.
  AsyncEngine(CurlTransportOptions options, std::size_t max_in_flight);
  // Stops the loop: every exchange in flight, queued or waiting for its time gets its
  // callback with `shutting_down` set and an error, then the thread is joined.
  ~AsyncEngine();
  AsyncEngine(const AsyncEngine&) = delete;
  AsyncEngine& operator=(const AsyncEngine&) = delete;

  // Sends `request` once `not_before` has come (a retry's backoff is a timer, not a sleep).
  void submit(HttpRequest request, Callback done, Clock::time_point not_before = {});

 private:
  struct Pending;
  struct Running;

  void loop();
  // Moves due submissions into the multi handle, up to max_in_flight_; returns the time of
  // the next one still waiting (or max() when none).
  Clock::time_point start_due();
  void finish(CURL* easy, CURLcode code);
  void fail_everything();

  CurlTransportOptions options_;
  std::size_t max_in_flight_;
  CurlMulti multi_;

  std::mutex mutex_;
  bool stopping_ = false;                                               // guarded by mutex_
  std::multimap<Clock::time_point, std::unique_ptr<Pending>> waiting_;  // guarded by mutex_

  // Loop thread only. Declared after multi_: easy handles go before the multi handle.
  std::map<CURL*, std::unique_ptr<Running>> running_;
  std::vector<CurlEasy> idle_;

  std::thread thread_;
};

}  // namespace pixxel::internal

#endif  // PIXXEL_INTERNAL_ASYNC_ENGINE_HPP_
