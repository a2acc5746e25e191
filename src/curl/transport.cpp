#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "body_stream.hpp"
#include "curl/exchange.hpp"
#include "curl/handles.hpp"
#include "curl/multi_loop.hpp"
#include "pixxel/cancellation.hpp"
#include "pixxel/curl_transport.hpp"
#include "pixxel/errors.hpp"
#include "redact.hpp"

namespace pixxel {
namespace internal {

namespace {

class CurlTransport final : public Transport, public LoopTransport, public BodyStreamingTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
    ensure_curl_global_init();
    share_.reset(curl_share_init());
    if (!share_) throw ConfigurationError("libcurl could not create a share handle");
    curl_share_setopt(share_.get(), CURLSHOPT_LOCKFUNC, &CurlTransport::lock);
    curl_share_setopt(share_.get(), CURLSHOPT_UNLOCKFUNC, &CurlTransport::unlock);
    curl_share_setopt(share_.get(), CURLSHOPT_USERDATA, this);
    // DNS answers and TLS sessions may be shared between threads; the connection cache may
    // not (libcurl does not support that concurrently), so each handle keeps its own.
    curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  // The public seam: the failure becomes its exception here, and only here.
  HttpResponse send(const HttpRequest& request) override {
    return raised(send_once(request, nullptr));
  }

  HttpResponse send_streaming(const HttpRequest& request, const StreamSink& sink) override {
    return raised(send_once(request, &sink));
  }

  Delivery deliver_streamed(const HttpRequest& request,
                            const std::shared_ptr<BodyStream>& stream) override {
    return send_once(request, nullptr, stream);
  }

  bool supports_cancellation() const override { return true; }

  // Called directly, outside any client (a client's loop drives a MultiLoop of its own, made
  // by make_loop_driver): a loop thread of the transport's own, started by the first call.
  bool send_async(HttpRequest request, Completion done) override {
    std::call_once(multi_once_,
                   [this] { multi_ = std::make_unique<MultiLoopThread>(share_.get(), options_); });
    multi_->start(std::move(request), std::move(done));
    return true;
  }

  // The client's engine keeps the transport alive while the driver lives: it uses share_.
  std::unique_ptr<LoopDriver> make_loop_driver() override {
    return std::make_unique<MultiLoop>(share_.get(), options_);
  }

 private:
  // An easy handle with a multi handle of its own, which holds its open connections. What
  // curl_easy_perform does inside, but with a wait that a cancellation can wake
  // (curl_multi_wakeup) rather than one that only a timeout or the progress callback ends.
  struct Handles {
    CurlMulti multi;  // declared first, destroyed last: the easy handle goes before it
    EasyHandle easy;
  };

  // Borrows idle handles (and so their open connections) for one request.
  class Lease {
   public:
    explicit Lease(CurlTransport& owner) : owner_(owner), handles_(owner.acquire()) {}
    ~Lease() { owner_.release(std::move(handles_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    CURL* get() const { return handles_.easy.get(); }
    EasyHandle& handle() { return handles_.easy; }
    CURLM* multi() const { return handles_.multi.get(); }

   private:
    CurlTransport& owner_;
    Handles handles_;
  };

  static HttpResponse raised(Delivery delivered) {
    if (delivered.failure) raise(*delivered.failure);
    return std::move(delivered.response);
  }

  // Sends `request`, and again on a new connection (libcurl does not reuse one that refused a
  // stream or said GOAWAY) while the server refuses it unprocessed.
  Delivery send_once(const HttpRequest& request, const StreamSink* sink,
                     const std::shared_ptr<BodyStream>& stream = nullptr) {
    try {
      Lease lease(*this);
      const auto started = std::chrono::steady_clock::now();
      // A repeat's copy of the request, with what is left of the timeout: the request's
      // timeout bounds all of its repeats together.
      std::optional<HttpRequest> repeat_request;
      for (int repeat = 0;; ++repeat) {
        const HttpRequest& current = repeat_request ? *repeat_request : request;
        CurlExchange exchange(lease.handle(), current, options_, sink);
        if (stream != nullptr) exchange.stream_body_to(stream);
        Delivery delivered = perform(lease, exchange, request.cancel);
        if (!delivered.failure || !exchange.refused() || repeat >= kMaxRefusedRepeats) {
          return delivered;
        }
        if (!repeat_request) repeat_request = request;
        if (!time_left(request.timeout, started, *repeat_request)) {
          return {{},
                  Failure::timeout(request.method + " " + loggable_url(request) +
                                       ": refused by the server before processing until the "
                                       "timeout ran out",
                                   false)};
        }
      }
    } catch (...) {
      // The handles or the request's headers could not be made (libcurl refused, no memory).
      return {{}, failure_of(std::current_exception())};
    }
  }

  static Delivery perform(const Lease& lease, CurlExchange& exchange,
                          const CancellationToken& cancel) {
    CURLM* multi = lease.multi();
    CURL* easy = lease.get();
    if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
      return {{}, Failure::transport("libcurl could not start the request", false)};
    }
    // Removed on every way out; the connection stays in the multi handle's cache.
    struct Added {
      CURLM* multi;
      CURL* easy;
      ~Added() { curl_multi_remove_handle(multi, easy); }
    } added{multi, easy};
    const CancellationRegistration woken = cancel.on_cancel([multi] { curl_multi_wakeup(multi); });
    for (;;) {
      if (cancel.cancelled()) return {{}, exchange.cancelled()};
      int running = 0;
      if (curl_multi_perform(multi, &running) != CURLM_OK) {
        return {{},
                Failure::transport("libcurl could not drive the request", exchange.wrote_any())};
      }
      int queued = 0;
      while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
        if (message->msg == CURLMSG_DONE && message->easy_handle == easy) {
          return exchange.finish(message->data.result);
        }
      }
      // Bounded by libcurl's own next timeout (curl_multi_poll takes the smaller).
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
  }

  static constexpr std::size_t kMaxIdleHandles = 16;

  Handles acquire() {
    {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      if (!idle_.empty()) {
        Handles handles = std::move(idle_.back());
        idle_.pop_back();
        return handles;
      }
    }
    Handles handles;
    handles.multi.reset(curl_multi_init());
    handles.easy = new_easy_handle(share_.get(), options_);
    if (!handles.multi) {
      throw TransportError("libcurl could not create a handle", false);
    }
    return handles;
  }

  void release(Handles handles) noexcept {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(handles));
  }

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<CurlTransport*>(self)->share_mutexes_[static_cast<std::size_t>(data)].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<CurlTransport*>(self)->share_mutexes_[static_cast<std::size_t>(data)].unlock();
  }

  CurlTransportOptions options_;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_mutexes_;
  CurlShare share_;
  std::mutex pool_mutex_;
  // Declared after share_ so that the easy handles are cleaned up before the share they use.
  std::vector<Handles> idle_;
  std::once_flag multi_once_;
  std::unique_ptr<MultiLoopThread> multi_;
};

}  // namespace
}  // namespace internal

std::shared_ptr<Transport> make_curl_transport(CurlTransportOptions options) {
  return std::make_shared<internal::CurlTransport>(std::move(options));
}

}  // namespace pixxel
