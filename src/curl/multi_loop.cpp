#include "curl/multi_loop.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

#include "curl/exchange.hpp"
#include "pixxel/cancellation.hpp"
#include "pixxel/errors.hpp"
#include "redact.hpp"

namespace pixxel::internal {

struct MultiLoop::Exchange {
  HttpRequest request;  // the exchange refers to it until the transfer ends
  LoopDriver::Done done;
  std::shared_ptr<BodyStream> stream;  // where a 2xx body goes, if anywhere
  EasyHandle easy;
  std::unique_ptr<CurlExchange> state;
  int refused_repeats = 0;
  // When it was first handed to libcurl, and its timeout then: the timeout bounds every
  // repeat of a refused request together.
  std::chrono::steady_clock::time_point started;
  std::chrono::milliseconds timeout{0};
  // The https origin this exchange is the first to, while others to it wait (see held_).
  std::string probe_origin;
  // Last: unregistered first, while the rest is still whole.
  CancellationRegistration cancel_registration;
};

namespace {

void fail(LoopDriver::Done& done, bool request_sent) {
  done({{},
        Failure::transport("the transport was destroyed before the request finished",
                           request_sent)});
}

// "https://host:port" of an https URL; "" for anything else.
std::string tls_origin(const std::string& url) {
  if (url.compare(0, 8, "https://") != 0) return {};
  return url.substr(0, url.find_first_of("/?#", 8));
}

}  // namespace

MultiLoop::MultiLoop(CURLSH* share, CurlTransportOptions options)
    : share_(share), options_(std::move(options)) {
  ensure_curl_global_init();
  multi_.reset(curl_multi_init());
  if (!multi_) throw ConfigurationError("libcurl could not create a multi handle");
  const auto connections =
      static_cast<long>(std::max<std::size_t>(1, options_.max_idle_connections));
  curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, connections);
  // Over HTTP/2 every request to a host shares one connection (with CURLOPT_PIPEWAIT, even
  // those started before it is up); over HTTP/1.1 at most this many are open at once, and the
  // rest wait in libcurl's queue.
  curl_multi_setopt(multi_.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi_.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, connections);
  // libcurl puts at most 100 streams on one connection by default and opens another (without
  // waiting) for the rest; the server's own limit still applies.
  curl_multi_setopt(multi_.get(), CURLMOPT_MAX_CONCURRENT_STREAMS, std::max(100L, connections));
}

MultiLoop::~MultiLoop() { fail_everything(); }

std::unique_ptr<MultiLoop::Exchange> MultiLoop::make_exchange(HttpRequest request,
                                                              LoopDriver::Done done) {
  auto exchange = std::make_unique<Exchange>();
  exchange->request = std::move(request);
  exchange->done = std::move(done);
  if (exchange->request.cancel.can_be_cancelled()) {
    // Wakes the loop from curl_multi_poll, which may otherwise wait up to a second.
    exchange->cancel_registration =
        exchange->request.cancel.on_cancel([this, target = exchange.get()] {
          {
            std::lock_guard<std::mutex> lock(mutex_);
            cancelled_.push_back(target);
          }
          curl_multi_wakeup(multi_.get());
        });
  }
  return exchange;
}

void MultiLoop::start(HttpRequest request, LoopDriver::Done done) {
  admit(make_exchange(std::move(request), std::move(done)));
}

void MultiLoop::start_streamed(HttpRequest request, LoopDriver::Done done,
                               std::shared_ptr<BodyStream> stream) {
  auto exchange = make_exchange(std::move(request), std::move(done));
  exchange->stream = std::move(stream);
  admit(std::move(exchange));
}

void MultiLoop::submit(HttpRequest request, LoopDriver::Done done) {
  auto exchange = make_exchange(std::move(request), std::move(done));
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    submitted_.push_back(std::move(exchange));
    wake = !wakeup_pending_;
    wakeup_pending_ = true;
  }
  if (wake) curl_multi_wakeup(multi_.get());
}

void MultiLoop::wake() { curl_multi_wakeup(multi_.get()); }

void MultiLoop::start_submitted() {
  std::vector<std::unique_ptr<Exchange>> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (submitted_.empty()) return;
    batch.swap(submitted_);
    wakeup_pending_ = false;
  }
  for (auto& exchange : batch) admit(std::move(exchange));
}

void MultiLoop::admit(std::unique_ptr<Exchange> exchange) {
  if (exchange->request.cancel.cancelled()) {
    exchange->done(
        {{},
         Failure::cancelled(exchange->request.method + " " + loggable_url(exchange->request) +
                                ": cancelled before it was sent",
                            false)});
    return;
  }
  // The first request to an https origin goes alone; the rest wait until it has set up a
  // connection (HTTP/2: they share it) or ended (the TLS session is cached: they resume it)
  // instead of each doing a full handshake at once.
  std::string origin = tls_origin(exchange->request.url);
  if (!origin.empty() && warm_.count(origin) == 0) {
    auto held = held_.find(origin);
    if (held != held_.end()) {
      held->second.push_back(std::move(exchange));
      return;
    }
    held_[origin].clear();
    held_since_[origin] = std::chrono::steady_clock::now();
    exchange->probe_origin = std::move(origin);
  }
  launch(std::move(exchange));
}

void MultiLoop::launch(std::unique_ptr<Exchange> exchange) {
  exchange->started = std::chrono::steady_clock::now();
  exchange->timeout = exchange->request.timeout;
  try {
    if (!idle_.empty()) {
      exchange->easy = std::move(idle_.back());
      idle_.pop_back();
    } else {
      exchange->easy = new_easy_handle(share_, options_);
    }
    begin(*exchange);
  } catch (...) {
    release_held(exchange->probe_origin, false);
    exchange->done({{}, failure_of(std::current_exception())});
    return;
  }
  CURL* easy = exchange->easy.get();
  running_.emplace(easy, std::move(exchange));
}

long MultiLoop::release_overdue() {
  // A slow first answer must not hold the others for long: past kMaxHold they go anyway (a
  // few full handshakes cost less than waiting).
  constexpr std::chrono::milliseconds kMaxHold{500};
  const auto now = std::chrono::steady_clock::now();
  long next_ms = 1000;
  std::vector<std::string> overdue;
  for (const auto& [origin, since] : held_since_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(since + kMaxHold - now);
    if (left.count() <= 0) {
      overdue.push_back(origin);
    } else {
      next_ms = std::min(next_ms, static_cast<long>(left.count()));
    }
  }
  for (const std::string& origin : overdue) release_held(origin, false);
  return overdue.empty() ? next_ms : 0;
}

void MultiLoop::release_held(const std::string& origin, bool warm) {
  if (origin.empty()) return;
  if (warm) warm_.insert(origin);
  auto it = held_.find(origin);
  if (it == held_.end()) return;
  std::vector<std::unique_ptr<Exchange>> waiting = std::move(it->second);
  held_.erase(it);
  held_since_.erase(origin);
  for (auto& exchange : waiting) launch(std::move(exchange));
}

void MultiLoop::begin(Exchange& exchange) {
  exchange.state.reset();
  exchange.state = std::make_unique<CurlExchange>(exchange.easy, exchange.request, options_);
  if (exchange.stream != nullptr) exchange.state->stream_body_to(exchange.stream);
  // After the exchange is made: it may have replaced the handle.
  CURL* easy = exchange.easy.get();
  // libcurl reports a GOAWAY to the one transfer that read it; every exchange on that
  // connection must know.
  exchange.state->set_goaway_listener([this](std::uint64_t connection, long last_stream_id) {
    for (auto& entry : running_) {
      if (entry.second->state) entry.second->state->note_goaway(connection, last_stream_id);
    }
  });
  if (!exchange.probe_origin.empty()) {
    // An HTTP/2 stream: the connection is up and multiplexes, so the requests held for it can
    // go (after this perform: libcurl takes no new handle from inside its callbacks).
    exchange.state->set_stream_listener(
        [this, origin = exchange.probe_origin] { multiplexed_.push_back(origin); });
  }
  if (curl_multi_add_handle(multi_.get(), easy) != CURLM_OK) {
    throw TransportError("libcurl could not start the request", false);
  }
}

void MultiLoop::finish(CURL* easy, CURLcode code) {
  auto it = running_.find(easy);
  if (it == running_.end()) return;
  curl_multi_remove_handle(multi_.get(), easy);
  std::unique_ptr<Exchange> exchange = std::move(it->second);
  running_.erase(it);
  Delivery delivered = exchange->state->finish(code);
  if (delivered.failure && exchange->state->refused() &&
      exchange->refused_repeats++ < kMaxRefusedRepeats) {
    // Refused unprocessed: again, on a new connection (libcurl reuses none that refused),
    // within what is left of the timeout.
    if (!time_left(exchange->timeout, exchange->started, exchange->request)) {
      delivered.failure = Failure::timeout(
          exchange->request.method + " " + loggable_url(exchange->request) +
              ": refused by the server before processing until the timeout ran out",
          false);
    } else {
      try {
        begin(*exchange);
        // Keyed anew: a new try may be on a new handle.
        CURL* again = exchange->easy.get();
        running_.emplace(again, std::move(exchange));
        return;
      } catch (...) {
        delivered.failure = failure_of(std::current_exception());
      }
    }
  }
  // An answer came over TLS: the session (and its tickets) is cached, so the held requests
  // resume it.
  release_held(exchange->probe_origin, !delivered.failure);
  exchange->state.reset();
  // Kept for the next request: its connection stays in the multi handle's cache.
  if (idle_.size() < std::max<std::size_t>(1, options_.max_idle_connections)) {
    idle_.push_back(std::move(exchange->easy));
  }
  exchange->done(std::move(delivered));
}

void MultiLoop::stop_cancelled() {
  std::vector<const Exchange*> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(cancelled_);
  }
  for (const Exchange* target : batch) {
    if (stop_held(target)) continue;
    auto it = std::find_if(running_.begin(), running_.end(),
                           [&](const auto& entry) { return entry.second.get() == target; });
    // A stale entry (the exchange already ended) is not there, or is another, live exchange
    // at the same address: only one whose own token was cancelled is stopped.
    if (it == running_.end() || !it->second->request.cancel.cancelled()) continue;
    std::unique_ptr<Exchange> exchange = std::move(it->second);
    running_.erase(it);
    curl_multi_remove_handle(multi_.get(), exchange->easy.get());
    release_held(exchange->probe_origin, false);
    Failure cancelled = exchange->state->cancelled();
    exchange->state.reset();
    exchange->done({{}, std::move(cancelled)});
  }
}

bool MultiLoop::stop_held(const Exchange* target) {
  for (auto& [origin, waiting] : held_) {
    auto it = std::find_if(waiting.begin(), waiting.end(),
                           [&](const auto& exchange) { return exchange.get() == target; });
    if (it == waiting.end() || !(*it)->request.cancel.cancelled()) continue;
    std::unique_ptr<Exchange> exchange = std::move(*it);
    waiting.erase(it);
    exchange->done(
        {{},
         Failure::cancelled(exchange->request.method + " " + loggable_url(exchange->request) +
                                ": cancelled before it was sent",
                            false)});
    return true;
  }
  return false;
}

void MultiLoop::perform() {
  if (!held_since_.empty()) release_overdue();
  start_submitted();
  stop_cancelled();
  int still_running = 0;
  curl_multi_perform(multi_.get(), &still_running);
  for (const std::string& origin : std::exchange(multiplexed_, {})) release_held(origin, false);
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &queued)) {
    if (message->msg == CURLMSG_DONE) finish(message->easy_handle, message->data.result);
  }
}

void MultiLoop::wait(Clock::time_point deadline) {
  // At most a second: the held exchanges' release is looked at between waits. libcurl's own
  // next timeout shortens it further (curl_multi_poll takes the smaller).
  long wait_ms = 1000;
  if (deadline != Clock::time_point::max()) {
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return;
    // Rounded up: a wait that ends just before the deadline would only wait again.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    wait_ms = std::min<long>(wait_ms, static_cast<long>(ms));
  }
  if (!held_since_.empty()) wait_ms = std::min(wait_ms, release_overdue());
  if (wait_ms > 0) curl_multi_poll(multi_.get(), nullptr, 0, static_cast<int>(wait_ms), nullptr);
}

void MultiLoop::fail_everything() {
  for (auto& [easy, exchange] : running_) {
    curl_multi_remove_handle(multi_.get(), easy);
    exchange->state.reset();
    fail(exchange->done, true);
  }
  running_.clear();
  for (auto& [origin, waiting] : held_) {
    for (auto& exchange : waiting) fail(exchange->done, false);
  }
  held_.clear();
  std::vector<std::unique_ptr<Exchange>> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(submitted_);
  }
  for (auto& exchange : batch) fail(exchange->done, false);
}

}  // namespace pixxel::internal

namespace pixxel::internal {

MultiLoopThread::MultiLoopThread(CURLSH* share, CurlTransportOptions options)
    : loop_(share, std::move(options)) {
  thread_ = std::thread([this] {
    while (!stopping_.load(std::memory_order_acquire)) {
      loop_.perform();
      loop_.wait(LoopDriver::Clock::time_point::max());
    }
  });
}

MultiLoopThread::~MultiLoopThread() {
  stopping_.store(true, std::memory_order_release);
  loop_.wake();
  thread_.join();
}

}  // namespace pixxel::internal
