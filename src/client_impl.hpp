#ifndef PIXXEL_CLIENT_IMPL_HPP_
#define PIXXEL_CLIENT_IMPL_HPP_

// What a PixxelClient and its copies share: the resolved settings, the clock, and the loop of
// its asynchronous calls. Not public API.

#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "async_engine.hpp"
#include "pipeline.hpp"
#include "pixxel/client.hpp"
#include "pixxel/errors.hpp"
#include "redact.hpp"
#include "settings.hpp"

namespace pixxel {

class PixxelClient::Impl {
 public:
  explicit Impl(ClientOptions options)
      : settings_(internal::resolve_settings(std::move(options))) {}

  const internal::Settings& settings() const { return settings_; }
  const ClientOptions& options() const { return settings_.options; }
  internal::Clock& clock() const { return clock_; }

  // A call of `request` by the client's retry policy.
  internal::CallSpec spec(HttpRequest request) const {
    return internal::CallSpec{std::move(request), settings_.options.retry, nullptr, {}, {}};
  }

  HttpResponse call(internal::CallSpec spec) {
    return internal::run_blocking(settings_, std::move(spec), clock_);
  }

  // One of internal::decode_*: the body, and the key to redact from its errors.
  template <typename T>
  using Decoder = T (*)(std::string_view, std::string_view);

  // The answer's body as a T, with the answer's status and request id on a DecodeError.
  template <typename T>
  T decode(const HttpResponse& response, Decoder<T> decoder) const {
    try {
      return decoder(response.body, settings_.options.api_key);
    } catch (const DecodeError& e) {
      throw DecodeError(
          e.path(), redact(e.reason()), response.status_code,
          redact(find_header(response.headers, "X-Request-Id").value_or(std::string())));
    }
  }

  // The call on the client's loop. `build` checks the arguments and makes the request; its
  // errors, like every other, arrive through the future.
  template <typename Build, typename T>
  std::future<T> call_async(Build build, Decoder<T> decoder) {
    auto promise = std::make_shared<std::promise<T>>();
    std::future<T> future = promise->get_future();
    HttpRequest request;
    try {
      request = build();
    } catch (const Error&) {
      promise->set_exception(std::current_exception());
      return future;
    }
    internal::run_async(settings_, engine(), spec(std::move(request)),
                        [this, promise, decoder](HttpResponse response, std::exception_ptr error) {
                          if (error) {
                            promise->set_exception(error);
                            return;
                          }
                          try {
                            promise->set_value(decode(response, decoder));
                          } catch (...) {
                            promise->set_exception(std::current_exception());
                          }
                        });
    return future;
  }

  std::string redact(std::string text) const {
    return internal::redact(std::move(text), settings_.options.api_key);
  }

 private:
  internal::AsyncEngine& engine() {
    // Started by the first asynchronous call, so that a client that makes none has no thread.
    std::call_once(engine_once_, [this] {
      engine_ = std::make_unique<internal::AsyncEngine>(settings_.options.transport,
                                                        settings_.options.max_concurrent_requests);
    });
    return *engine_;
  }

  internal::Settings settings_;
  internal::Clock& clock_ = internal::Clock::real();
  std::once_flag engine_once_;
  // Last: destroyed first, failing the calls in flight while the rest is still alive.
  std::unique_ptr<internal::AsyncEngine> engine_;
};

}  // namespace pixxel

#endif  // PIXXEL_CLIENT_IMPL_HPP_
