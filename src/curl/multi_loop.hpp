#ifndef PIXXEL_CURL_MULTI_LOOP_HPP_
#define PIXXEL_CURL_MULTI_LOOP_HPP_

// The libcurl transport's asynchronous path: one multi handle, whose exchanges in flight share
// its connection cache and the transport's share handle (DNS answers, TLS sessions).

#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "async_engine.hpp"
#include "curl/exchange.hpp"
#include "curl/handles.hpp"
#include "pixxel/curl_transport.hpp"
#include "pixxel/transport.hpp"

namespace pixxel::internal {

// One libcurl multi handle, driven by whichever thread calls perform() and wait(): a client's
// loop thread (through LoopDriver), or MultiLoopThread's for a transport used on its own.
class MultiLoop final : public LoopDriver {
 public:
  // `share` must outlive the loop.
  MultiLoop(CURLSH* share, CurlTransportOptions options);
  // Every exchange in flight or waiting to start completes with a TransportError saying so.
  ~MultiLoop() override;
  MultiLoop(const MultiLoop&) = delete;
  MultiLoop& operator=(const MultiLoop&) = delete;

  // Loop thread: starts `request`; `done` runs exactly once, on the loop thread, in a later
  // perform() (or the destructor). A cancelled `request.cancel` ends it at once with
  // CancelledError.
  void start(HttpRequest request, Done done) override;
  void start_streamed(HttpRequest request, Done done, std::shared_ptr<BodyStream> stream) override;
  void perform() override;
  void wait(Clock::time_point deadline) override;
  void wake() override;

  // Any thread: start(), done by the loop thread's next perform(), which this wakes.
  void submit(HttpRequest request, Done done);

 private:
  struct Exchange;

  std::unique_ptr<Exchange> make_exchange(HttpRequest request, Done done);
  // Starts `exchange`, or holds it behind the first exchange to its origin.
  void admit(std::unique_ptr<Exchange> exchange);
  void start_submitted();
  // Takes an idle easy handle (or a new one) and starts `exchange`, or completes it with the
  // error that prevented that.
  void launch(std::unique_ptr<Exchange> exchange);
  // The first exchange to `origin` has set up its connection or ended: the exchanges held
  // for it start. `warm`: it was answered, so later ones need not wait either.
  void release_held(const std::string& origin, bool warm);
  // Releases the exchanges held longer than the loop lets them wait; returns the
  // milliseconds until the next such release (at most 1000; 0 when it released some).
  long release_overdue();
  // Completes `target` with CancelledError if it is held and cancelled.
  bool stop_held(const Exchange* target);
  // Sets up `exchange`'s transfer on its easy handle and adds it to the multi handle.
  void begin(Exchange& exchange);
  void finish(CURL* easy, CURLcode code);
  void stop_cancelled();
  void fail_everything();

  CURLSH* share_;
  CurlTransportOptions options_;
  CurlMulti multi_;

  std::mutex mutex_;
  std::vector<std::unique_ptr<Exchange>> submitted_;  // guarded by mutex_
  std::vector<const Exchange*> cancelled_;            // guarded by mutex_; may be stale
  // Guarded by mutex_: a wakeup is owed to the loop and not yet consumed, so a burst of
  // submissions costs one wakeup (a write on libcurl's socket pair), not one each.
  bool wakeup_pending_ = false;

  // Loop thread only. Declared after multi_: easy handles go before the multi handle.
  std::map<CURL*, std::unique_ptr<Exchange>> running_;
  std::vector<EasyHandle> idle_;
  // https origins already answered once: their TLS session is cached.
  std::set<std::string> warm_;
  // Per https origin not yet warm whose first exchange is running: the exchanges waiting
  // for it, so that they share its HTTP/2 connection or resume its TLS session.
  std::map<std::string, std::vector<std::unique_ptr<Exchange>>> held_;
  std::map<std::string, std::chrono::steady_clock::time_point> held_since_;
  // Origins whose first exchange turned out to be an HTTP/2 stream during this perform.
  std::vector<std::string> multiplexed_;
};

// A MultiLoop on a thread of its own: the libcurl transport's asynchronous path when it is
// called directly, outside any client (a client's loop drives a MultiLoop of its own).
class MultiLoopThread {
 public:
  // Starts the thread. `share` must outlive the loop.
  MultiLoopThread(CURLSH* share, CurlTransportOptions options);
  // Stops the thread; what is still in flight completes with a TransportError saying so.
  ~MultiLoopThread();
  MultiLoopThread(const MultiLoopThread&) = delete;
  MultiLoopThread& operator=(const MultiLoopThread&) = delete;

  // Transport::send_async's seam: the failure becomes its exception here. Moved, so that the
  // loop thread keeps no reference: the receiver owns the error alone (its reference count
  // lives in uninstrumented libstdc++, where ThreadSanitizer cannot see it).
  void start(HttpRequest request, Transport::Completion done) {
    loop_.submit(std::move(request), [done = std::move(done)](Delivery delivered) {
      std::exception_ptr error;
      if (delivered.failure) error = to_exception(*delivered.failure);
      done(std::move(delivered.response), std::move(error));
    });
  }

 private:
  MultiLoop loop_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace pixxel::internal

#endif  // PIXXEL_CURL_MULTI_LOOP_HPP_
