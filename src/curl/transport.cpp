#include <array>
#include <mutex>
#include <utility>
#include <vector>

#include "curl/exchange.hpp"
#include "curl/handles.hpp"
#include "curl/multi_loop.hpp"
#include "pixxel/curl_transport.hpp"
#include "pixxel/errors.hpp"

namespace pixxel {
namespace internal {

namespace {

class CurlTransport final : public Transport {
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

  HttpResponse send(const HttpRequest& request) override {
    Lease lease(*this);
    CurlExchange exchange(lease.get(), share_.get(), request, options_);
    return exchange.finish(curl_easy_perform(lease.get()));
  }

  HttpResponse send_streaming(const HttpRequest& request, const StreamSink& sink) override {
    Lease lease(*this);
    CurlExchange exchange(lease.get(), share_.get(), request, options_, &sink);
    return exchange.finish(curl_easy_perform(lease.get()));
  }

  bool send_async(HttpRequest request, Completion done) override {
    // The loop thread starts with the first asynchronous request, not with the transport.
    std::call_once(multi_once_,
                   [this] { multi_ = std::make_unique<MultiLoop>(share_.get(), options_); });
    multi_->start(std::move(request), std::move(done));
    return true;
  }

 private:
  // Borrows an idle easy handle (and so its open connections) for one request.
  class Lease {
   public:
    explicit Lease(CurlTransport& owner) : owner_(owner), easy_(owner.acquire()) {}
    ~Lease() { owner_.release(std::move(easy_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    CURL* get() const { return easy_.get(); }

   private:
    CurlTransport& owner_;
    CurlEasy easy_;
  };

  static constexpr std::size_t kMaxIdleHandles = 16;

  CurlEasy acquire() {
    {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      if (!idle_.empty()) {
        CurlEasy easy = std::move(idle_.back());
        idle_.pop_back();
        return easy;
      }
    }
    CurlEasy easy(curl_easy_init());
    if (!easy) throw TransportError("libcurl could not create a handle", false);
    return easy;
  }

  void release(CurlEasy easy) noexcept {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(easy));
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
  std::vector<CurlEasy> idle_;
  std::once_flag multi_once_;
  std::unique_ptr<MultiLoop> multi_;
};

}  // namespace
}  // namespace internal

std::shared_ptr<Transport> make_curl_transport(CurlTransportOptions options) {
  return std::make_shared<internal::CurlTransport>(std::move(options));
}

}  // namespace pixxel
