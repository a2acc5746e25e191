#include "internal/async_engine.hpp"

#include <algorithm>
#include <utility>

#include "internal/curl_exchange.hpp"
#include "pixxel/errors.hpp"

namespace pixxel::internal {

struct AsyncEngine::Pending {
  HttpRequest request;
  Callback done;
};

struct AsyncEngine::Running {
  CurlEasy easy;
  Clock::time_point started;
  HttpRequest request;  // the exchange refers to it until the transfer ends
  Callback done;
  std::unique_ptr<CurlExchange> exchange;
};

namespace {

std::exception_ptr shutdown_error(bool request_sent) {
  return std::make_exception_ptr(
      TransportError("the client was destroyed before the call finished", request_sent));
}

}  // namespace

AsyncEngine::AsyncEngine(CurlTransportOptions options, std::size_t max_in_flight)
    : options_(std::move(options)), max_in_flight_(std::max<std::size_t>(1, max_in_flight)) {
  ensure_curl_global_init();
  multi_.reset(curl_multi_init());
  if (!multi_) throw ConfigurationError("libcurl could not create a multi handle");
  curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, static_cast<long>(max_in_flight_));
  thread_ = std::thread([this] { loop(); });
}

AsyncEngine::~AsyncEngine() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  curl_multi_wakeup(multi_.get());
  thread_.join();
}

void AsyncEngine::submit(HttpRequest request, Callback done, Clock::time_point not_before) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_) {
      waiting_.emplace(not_before,
                       std::make_unique<Pending>(Pending{std::move(request), std::move(done)}));
      done = nullptr;
    }
  }
  if (done) {
    done(AsyncResult{{}, shutdown_error(false), true});
    return;
  }
  curl_multi_wakeup(multi_.get());
}

AsyncEngine::Clock::time_point AsyncEngine::start_due() {
  const auto now = Clock::now();
  std::vector<std::unique_ptr<Pending>> due;
  Clock::time_point next = Clock::time_point::max();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    while (!waiting_.empty() && running_.size() + due.size() < max_in_flight_ &&
           waiting_.begin()->first <= now) {
      due.push_back(std::move(waiting_.begin()->second));
      waiting_.erase(waiting_.begin());
    }
    if (!waiting_.empty() && running_.size() + due.size() < max_in_flight_) {
      next = waiting_.begin()->first;
    }
  }
  for (auto& pending : due) {
    auto running = std::make_unique<Running>();
    if (!idle_.empty()) {
      running->easy = std::move(idle_.back());
      idle_.pop_back();
    } else {
      running->easy.reset(curl_easy_init());
    }
    running->request = std::move(pending->request);
    running->done = std::move(pending->done);
    running->started = Clock::now();
    CURL* easy = running->easy.get();
    try {
      if (easy == nullptr) throw TransportError("libcurl could not create a handle", false);
      running->exchange = std::make_unique<CurlExchange>(easy, nullptr, running->request, options_);
      if (curl_multi_add_handle(multi_.get(), easy) != CURLM_OK) {
        throw TransportError("libcurl could not start the request", false);
      }
    } catch (...) {
      running->done(AsyncResult{{}, std::current_exception(), false, running->started});
      continue;
    }
    running_.emplace(easy, std::move(running));
  }
  return next;
}

void AsyncEngine::finish(CURL* easy, CURLcode code) {
  auto it = running_.find(easy);
  if (it == running_.end()) return;
  std::unique_ptr<Running> running = std::move(it->second);
  running_.erase(it);
  curl_multi_remove_handle(multi_.get(), easy);
  AsyncResult result;
  result.started = running->started;
  try {
    result.response = running->exchange->finish(code);
  } catch (...) {
    result.error = std::current_exception();
  }
  running->exchange.reset();
  // Kept for the next request: its connection stays in the multi handle's cache.
  if (idle_.size() < max_in_flight_) idle_.push_back(std::move(running->easy));
  running->done(std::move(result));
}

void AsyncEngine::loop() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) break;
    }
    const Clock::time_point next_due = start_due();
    int still_running = 0;
    curl_multi_perform(multi_.get(), &still_running);
    int queued = 0;
    bool finished_any = false;
    while (CURLMsg* message = curl_multi_info_read(multi_.get(), &queued)) {
      if (message->msg == CURLMSG_DONE) {
        finish(message->easy_handle, message->data.result);
        finished_any = true;
      }
    }
    // A finished exchange may have freed a slot or submitted a retry: look again at once.
    if (finished_any) continue;

    long curl_timeout = -1;
    curl_multi_timeout(multi_.get(), &curl_timeout);
    long wait_ms = curl_timeout < 0 ? 1000 : std::min(curl_timeout, 1000L);
    if (next_due != Clock::time_point::max()) {
      const auto until =
          std::chrono::duration_cast<std::chrono::milliseconds>(next_due - Clock::now());
      wait_ms = std::clamp<long>(static_cast<long>(until.count()) + 1, 0, wait_ms);
    }
    if (wait_ms > 0) curl_multi_poll(multi_.get(), nullptr, 0, static_cast<int>(wait_ms), nullptr);
  }
  fail_everything();
}

void AsyncEngine::fail_everything() {
  for (auto& [easy, running] : running_) {
    curl_multi_remove_handle(multi_.get(), easy);
    running->exchange.reset();
    running->done(AsyncResult{{}, shutdown_error(true), true});
  }
  running_.clear();
  std::multimap<Clock::time_point, std::unique_ptr<Pending>> waiting;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting.swap(waiting_);
  }
  for (auto& [when, pending] : waiting) {
    pending->done(AsyncResult{{}, shutdown_error(false), true});
  }
}

}  // namespace pixxel::internal
