#ifndef PIXXEL_CURL_MULTI_LOOP_HPP_
#define PIXXEL_CURL_MULTI_LOOP_HPP_

// One libcurl multi handle driven by one thread: the libcurl transport's asynchronous path.
// Many exchanges in flight share its connection cache and the transport's share handle.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "curl/exchange.hpp"
#include "curl/handles.hpp"
#include "pixxel/curl_transport.hpp"
#include "pixxel/transport.hpp"

namespace pixxel::internal {

class MultiLoop {
 public:
  // Starts the loop thread. `share` must outlive the loop.
  MultiLoop(CURLSH* share, CurlTransportOptions options);
  // Stops the loop: every exchange in flight or waiting to start completes with a
  // TransportError saying so, then the thread is joined.
  ~MultiLoop();
  MultiLoop(const MultiLoop&) = delete;
  MultiLoop& operator=(const MultiLoop&) = delete;

  // Starts `request` on the loop; `done` runs exactly once, on the loop thread (or on this
  // one, when the loop is stopping). A cancelled `request.cancel` ends it at once with
  // CancelledError.
  void start(HttpRequest request, Transport::Completion done);
  // The same, with the 2xx body going to `stream` as it arrives (see BodyStream).
  void start(HttpRequest request, Transport::Completion done, std::shared_ptr<BodyStream> stream);

 private:
  struct Exchange;

  void loop();
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
  bool stopping_ = false;                             // guarded by mutex_
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

  std::thread thread_;
};

}  // namespace pixxel::internal

#endif  // PIXXEL_CURL_MULTI_LOOP_HPP_
