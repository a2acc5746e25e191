#include "pixxel/client.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <system_error>
#include <thread>
#include <utility>

#include "internal/async_engine.hpp"
#include "internal/decode.hpp"
#include "internal/http.hpp"
#include "internal/retry.hpp"
#include "pixxel/errors.hpp"
#include "pixxel/parse.hpp"
#include "pixxel/version.hpp"

namespace pixxel {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kDefaultBaseUrl = "https://api.pixxel.space";
constexpr int kMaxRedirects = 5;

std::string from_env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

void validate_id(std::string_view name, std::string_view id) {
  if (id.empty()) throw InvalidArgumentError(std::string(name) + " must not be empty");
  if (id == "." || id == "..") {
    throw InvalidArgumentError(std::string(name) + " must not be \"" + std::string(id) + "\"");
  }
  if (internal::has_control_chars(id)) {
    throw InvalidArgumentError(std::string(name) + " must not contain control characters");
  }
}

void check_duration(std::string_view name, milliseconds value) {
  if (value.count() < 0) {
    throw ConfigurationError(std::string(name) + " must not be negative");
  }
}

std::string describe_url_for_error(const std::string& url, std::string_view key) {
  // A URL with user info may carry a password; never echo it.
  return url.find('@') == std::string::npos ? "\"" + internal::redact(url, key) + "\""
                                            : "(redacted)";
}

// A redirect the client will not follow. Final: the next attempt would be sent the same way.
class RedirectRefused final : public TransportError {
 public:
  explicit RedirectRefused(const std::string& what) : TransportError(what, true) {}
};

template <typename E>
std::exception_ptr make_error(int status, std::string code, std::string message,
                              nlohmann::json details, const std::string& body,
                              std::string request_id, std::optional<milliseconds> retry_after) {
  return std::make_exception_ptr(E(status, std::move(code), std::move(message), std::move(details),
                                   body, std::move(request_id), retry_after));
}

// Deeper error bodies are kept as text only: copying deep JSON recurses on the stack.
constexpr std::size_t kMaxErrorBodyDepth = 64;

// The error for a non-2xx answer, as the right subclass. The body is already redacted;
// what is decoded from it is redacted again, since JSON escapes (\u0074) can spell the key in
// a way that redacting the raw text misses.
std::exception_ptr make_api_error(int status, const std::string& body, std::string request_id,
                                  std::optional<milliseconds> retry_after,
                                  std::string_view secret) {
  std::string code;
  std::string message;
  nlohmann::json details;
  const auto json = internal::json_depth(body, kMaxErrorBodyDepth) > kMaxErrorBodyDepth
                        ? nlohmann::json()
                        : nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    auto error = json.find("error");
    if (error != json.end() && error->is_object()) {
      auto c = error->find("code");
      if (c != error->end() && c->is_string()) code = c->get<std::string>();
      if (c != error->end() && c->is_number()) code = c->dump();
      auto m = error->find("message");
      if (m != error->end() && m->is_string()) message = m->get<std::string>();
      auto d = error->find("details");
      if (d != error->end()) details = *d;
    }
    if (message.empty()) {
      auto m = json.find("message");
      if (m != json.end() && m->is_string()) message = m->get<std::string>();
    }
    if (message.empty() && error != json.end() && error->is_string()) {
      message = error->get<std::string>();
    }
  }
  if (message.empty()) message = internal::reason_phrase(status);
  code = internal::redact(std::move(code), secret);
  message = internal::redact(std::move(message), secret);
  if (!details.is_null()) {
    const std::string text = details.dump();
    if (internal::redact(text, secret) != text) {
      details = internal::redact(
          details.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace),
          secret);
    }
  }

  auto(*make)(int, std::string, std::string, nlohmann::json, const std::string&, std::string,
              std::optional<milliseconds>)
      ->std::exception_ptr = &make_error<ApiError>;
  switch (status) {
    case 400:
      make = &make_error<BadRequestError>;
      break;
    case 401:
      make = &make_error<AuthenticationError>;
      break;
    case 403:
      make = &make_error<PermissionDeniedError>;
      break;
    case 404:
      make = &make_error<NotFoundError>;
      break;
    case 409:
      make = &make_error<ConflictError>;
      break;
    case 422:
      make = &make_error<UnprocessableEntityError>;
      break;
    case 429:
      make = &make_error<RateLimitError>;
      break;
    default:
      if (status >= 500 && status <= 599) make = &make_error<ServerError>;
  }
  return make(status, std::move(code), std::move(message), std::move(details), body,
              std::move(request_id), retry_after);
}

// `error` as it may leave the client: the same error, or, when its text spells the key
// anywhere (a transport error naming a URL a redirect chose, a custom transport's message),
// one of the same type with the key redacted.
std::exception_ptr without_key(const std::exception_ptr& error, std::string_view key) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    const std::string text = internal::redact(e.what(), key);
    if (text == e.what()) return error;
    if (const auto* t = dynamic_cast<const TimeoutError*>(&e)) {
      return std::make_exception_ptr(TimeoutError(text, t->request_sent()));
    }
    if (const auto* t = dynamic_cast<const TransportError*>(&e)) {
      return std::make_exception_ptr(TransportError(text, t->request_sent()));
    }
    if (const auto* t = dynamic_cast<const ResponseTooLargeError*>(&e)) {
      return std::make_exception_ptr(ResponseTooLargeError(text, t->limit()));
    }
    if (const auto* d = dynamic_cast<const DecodeError*>(&e)) {
      return std::make_exception_ptr(
          DecodeError(internal::redact(d->path(), key), internal::redact(d->reason(), key),
                      d->status_code(), internal::redact(d->request_id(), key)));
    }
    if (const auto* a = dynamic_cast<const ApiError*>(&e)) {
      return make_api_error(a->status_code(), internal::redact(a->body(), key),
                            internal::redact(a->request_id(), key), a->retry_after(), key);
    }
    if (dynamic_cast<const ConfigurationError*>(&e) != nullptr) {
      return std::make_exception_ptr(ConfigurationError(text));
    }
    if (dynamic_cast<const InvalidArgumentError*>(&e) != nullptr) {
      return std::make_exception_ptr(InvalidArgumentError(text));
    }
    return std::make_exception_ptr(Error(text));
  } catch (...) {
    return error;
  }
}

}  // namespace

namespace internal {

milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit) {
  double bound = static_cast<double>(policy.initial_backoff.count()) *
                 std::pow(policy.multiplier, std::max(0, retry - 1));
  bound = std::min(bound, static_cast<double>(policy.max_backoff.count()));
  if (!(bound > 0)) return milliseconds(0);
  return milliseconds(static_cast<milliseconds::rep>(bound * std::clamp(unit, 0.0, 1.0)));
}

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

bool is_retryable_status(int status, bool may_repeat) {
  // The server asked us to come back, or said it did nothing: always safe.
  if (status == 429 || status == 503) return true;
  return may_repeat && (status == 408 || status == 500 || status == 502 || status == 504);
}

}  // namespace internal

class PixxelClient::Impl : public std::enable_shared_from_this<PixxelClient::Impl> {
 public:
  // One of internal::decode_*: the body, and the key to redact from its errors.
  template <typename T>
  using Decoder = T (*)(std::string_view, std::string_view);

  explicit Impl(ClientOptions options) : options_(std::move(options)) {
    if (options_.api_key.empty()) options_.api_key = from_env("PIXXEL_API_KEY");
    if (options_.api_key.empty()) {
      throw ConfigurationError(
          "no API key: set ClientOptions::api_key or the PIXXEL_API_KEY environment variable");
    }
    if (internal::has_control_chars(options_.api_key)) {
      throw ConfigurationError("the API key must not contain control characters (CR, LF, ...)");
    }
    if (internal::has_control_chars(options_.user_agent)) {
      throw ConfigurationError("user_agent must not contain control characters");
    }

    std::string url = options_.base_url.empty() ? from_env("PIXXEL_BASE_URL") : options_.base_url;
    if (url.empty()) url = std::string(kDefaultBaseUrl);
    while (!url.empty() && url.back() == '/') url.pop_back();
    auto parsed = internal::parse_url(url);
    if (!parsed) {
      throw ConfigurationError("base_url " + describe_url_for_error(url, options_.api_key) +
                               " is not an absolute http:// or https:// URL");
    }
    if (parsed->path_and_query.find_first_of("?#") != std::string::npos) {
      throw ConfigurationError("base_url " + describe_url_for_error(url, options_.api_key) +
                               " must not have a query or a fragment");
    }
    if (parsed->origin.scheme == "http" && !internal::is_loopback_host(parsed->origin.host) &&
        !options_.allow_insecure_http) {
      throw ConfigurationError("base_url " + describe_url_for_error(url, options_.api_key) +
                               " would send the API key in clear text; use https, or set "
                               "allow_insecure_http");
    }
    base_url_ = std::move(url);
    base_ = std::move(*parsed);

    check_duration("connect_timeout", options_.connect_timeout);
    check_duration("timeout", options_.timeout);
    const RetryPolicy& retry = options_.retry;
    if (retry.max_retries < 0) throw ConfigurationError("retry.max_retries must not be negative");
    check_duration("retry.initial_backoff", retry.initial_backoff);
    check_duration("retry.max_backoff", retry.max_backoff);
    check_duration("retry.max_retry_after", retry.max_retry_after);
    if (!(retry.multiplier >= 1.0) || !std::isfinite(retry.multiplier)) {
      throw ConfigurationError("retry.multiplier must be a finite number of at least 1");
    }
    if (options_.max_response_bytes == 0) {
      throw ConfigurationError("max_response_bytes must be positive");
    }
    if (options_.max_concurrent_requests == 0) {
      throw ConfigurationError("max_concurrent_requests must be positive");
    }

    std::string agent = std::string("pixxel-cpp/") + version();
    if (!options_.user_agent.empty()) agent += " " + options_.user_agent;
    headers_ = {{"Authorization", options_.api_key},
                {"Accept", "application/json"},
                {"User-Agent", std::move(agent)}};

    transport_ = options_.transport;
    if (!transport_) transport_ = make_curl_transport({options_.verify_tls, options_.ca_bundle});
  }

  const std::string& base_url() const noexcept { return base_url_; }

  // "/v0/workflows/{w}/jobs..." from already-validated path segments.
  std::string url(
      std::initializer_list<std::string_view> segments,
      const std::vector<std::pair<std::string_view, std::string_view>>& query = {}) const {
    std::string out = base_url_;
    for (auto segment : segments) {
      out += '/';
      out += internal::percent_encode(segment);
    }
    char separator = '?';
    for (const auto& [key, value] : query) {
      if (value.empty()) continue;
      out += separator;
      out += internal::percent_encode(key);
      out += '=';
      out += internal::percent_encode(value);
      separator = '&';
    }
    return out;
  }

  // A request to the API, with the key and the client's timeouts.
  HttpRequest api_request(std::string method, std::string url) const {
    return HttpRequest{std::move(method),
                       std::move(url),
                       headers_,
                       {},
                       options_.connect_timeout,
                       options_.timeout,
                       options_.max_response_bytes};
  }

  HttpRequest create_job_request(std::string_view workflow_id, std::string_view project_id) const {
    validate_id("workflow_id", workflow_id);
    validate_id("project_id", project_id);
    return api_request("POST",
                       url({"v0", "workflows", workflow_id, "jobs"}, {{"project_id", project_id}}));
  }

  HttpRequest get_job_request(std::string_view workflow_id, std::string_view job_id) const {
    validate_id("workflow_id", workflow_id);
    validate_id("job_id", job_id);
    return api_request("GET", url({"v0", "workflows", workflow_id, "jobs", job_id}));
  }

  // Sends the request with retries; returns a 2xx answer or throws the last attempt's error.
  // With a sink, a 2xx body streams into it.
  HttpResponse call(const HttpRequest& request, const StreamSink* sink = nullptr) {
    for (int attempt = 1;; ++attempt) {
      const auto started = Clock::now();
      HttpResponse response;
      std::exception_ptr failure;
      try {
        response = send_following_redirects(request, sink);
      } catch (const Error&) {
        failure = std::current_exception();
      }
      Outcome outcome = evaluate(request, std::move(response), failure);
      notify(request, attempt, outcome, started);
      if (!outcome.error) return std::move(outcome.response);
      const auto delay = next_delay(outcome, attempt);
      if (!delay) std::rethrow_exception(outcome.error);
      std::this_thread::sleep_for(*delay);
    }
  }

  // `call` for a download, by the same retry rules, except that each attempt's request comes
  // from `next` (a retry may resume where the last attempt stopped), and `check` may reject a
  // 2xx answer with a TransportError (a body shorter than announced), retried like any other.
  HttpResponse call_resumable(const std::function<HttpRequest()>& next, const StreamSink& sink,
                              const std::function<void(const HttpResponse&)>& check) {
    for (int attempt = 1;; ++attempt) {
      const HttpRequest request = next();
      const auto started = Clock::now();
      HttpResponse response;
      std::exception_ptr failure;
      try {
        response = send_following_redirects(request, &sink);
        if (response.status_code >= 200 && response.status_code <= 299) check(response);
      } catch (const Error&) {
        failure = std::current_exception();
      }
      Outcome outcome = evaluate(request, std::move(response), failure);
      notify(request, attempt, outcome, started);
      if (!outcome.error) return std::move(outcome.response);
      const auto delay = next_delay(outcome, attempt);
      if (!delay) std::rethrow_exception(outcome.error);
      std::this_thread::sleep_for(*delay);
    }
  }

  // The same call on the client's multi loop: retries wait on timers there, not on threads.
  // `build` validates the arguments and makes the request; its errors, like every other,
  // arrive through the future.
  template <typename Build, typename T>
  std::future<T> call_async(Build build, Decoder<T> decoder) {
    HttpRequest request;
    try {
      request = build();
    } catch (const Error&) {
      std::promise<T> failed;
      failed.set_exception(std::current_exception());
      return failed.get_future();
    }
    if (options_.transport) {
      // A custom transport has only the blocking interface: run the call on a thread. Not
      // std::async, whose future would block in its destructor.
      auto promise = std::make_shared<std::promise<T>>();
      std::future<T> future = promise->get_future();
      std::thread([self = shared_from_this(), request = std::move(request), decoder, promise] {
        try {
          promise->set_value(self->decode(self->call(request), decoder));
        } catch (...) {
          promise->set_exception(std::current_exception());
        }
      }).detach();
      return future;
    }
    auto state = std::make_shared<AsyncCall<T>>();
    state->request = std::move(request);
    state->decoder = decoder;
    std::future<T> future = state->promise.get_future();
    submit_attempt(state, Clock::now());
    return future;
  }

  template <typename T>
  T decode(const HttpResponse& response, Decoder<T> decoder) const {
    try {
      return decoder(response.body, options_.api_key);
    } catch (const DecodeError& e) {
      throw DecodeError(
          e.path(), redact(e.reason()), response.status_code,
          redact(find_header(response.headers, "X-Request-Id").value_or(std::string())));
    }
  }

  std::string redact(std::string text) const {
    return internal::redact(std::move(text), options_.api_key);
  }

  const ClientOptions& options() const { return options_; }

 private:
  // What one attempt came to.
  struct Outcome {
    HttpResponse response;  // the 2xx answer, when there is no error
    std::exception_ptr error;
    std::string error_text;
    int status = 0;
    bool retryable = false;
    std::optional<milliseconds> retry_after;
  };

  template <typename T>
  struct AsyncCall {
    HttpRequest request;
    HttpRequest current;  // the request of this hop (after redirects)
    Decoder<T> decoder = nullptr;
    std::promise<T> promise;
    int attempt = 1;
    int hop = 0;
    Clock::time_point started;
  };

  // Classifies an attempt's answer or failure (a pixxel::Error) by the retry rules.
  Outcome evaluate(const HttpRequest& request, HttpResponse response,
                   std::exception_ptr failure) const {
    // A repeated POST can create a second, paid-for job: only when the caller accepts that.
    const bool may_repeat =
        internal::is_idempotent(request.method) || options_.retry.retry_non_idempotent;
    Outcome out;
    if (failure) {
      out.error = without_key(failure, options_.api_key);
      try {
        std::rethrow_exception(out.error);
      } catch (const TransportError& e) {
        out.error_text = e.what();
        // Before the request left, nothing can have happened on the server.
        out.retryable = (!e.request_sent() || may_repeat) &&
                        dynamic_cast<const RedirectRefused*>(&e) == nullptr;
      } catch (const std::exception& e) {
        out.error_text = e.what();
      }
      return out;
    }
    out.status = response.status_code;
    if (out.status >= 200 && out.status <= 299) {
      out.response = std::move(response);
      return out;
    }
    if (auto value = find_header(response.headers, "Retry-After")) {
      out.retry_after = internal::parse_retry_after(*value, std::chrono::system_clock::now());
    }
    out.error = make_api_error(
        out.status, redact(std::move(response.body)),
        redact(find_header(response.headers, "X-Request-Id").value_or(std::string())),
        out.retry_after, options_.api_key);
    try {
      std::rethrow_exception(out.error);
    } catch (const ApiError& e) {
      out.error_text = e.what();
    }
    out.retryable = internal::is_retryable_status(out.status, may_repeat);
    return out;
  }

  // The pause before the next attempt, or nullopt when `outcome` is final.
  std::optional<milliseconds> next_delay(const Outcome& outcome, int attempt) const {
    const RetryPolicy& policy = options_.retry;
    if (!outcome.retryable || attempt > policy.max_retries) return std::nullopt;
    if (outcome.retry_after) {
      // Waiting longer than the caller allowed would hide a stall; give up instead.
      if (*outcome.retry_after > policy.max_retry_after) return std::nullopt;
      return *outcome.retry_after;
    }
    // Full jitter: many clients failing together do not retry together.
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return internal::backoff_delay(policy, attempt,
                                   std::uniform_real_distribution<double>(0.0, 1.0)(rng));
  }

  // The request that follows a redirect answer, or nullopt when `response` is not one to
  // follow. Throws TransportError past kMaxRedirects and TimeoutError past `deadline`.
  std::optional<HttpRequest> follow(const HttpRequest& request, const HttpResponse& response,
                                    int hop, Clock::time_point deadline) const {
    const int status = response.status_code;
    if (!is_redirect(status)) return std::nullopt;
    auto location = find_header(response.headers, "Location");
    auto current = internal::parse_url(request.url);
    if (!location || !current) return std::nullopt;
    auto next_url = internal::resolve_location(*current, *location);
    auto next = next_url ? internal::parse_url(*next_url) : std::nullopt;
    if (!next) return std::nullopt;
    if (next->origin.scheme == "http" && !internal::is_loopback_host(next->origin.host) &&
        !options_.allow_insecure_http) {
      // Checked on every hop, not only the first URL: an answer from plain http can be
      // forged or read on the way, whatever origin sent us there.
      throw RedirectRefused(request.method + " " + internal::loggable_url(request) +
                            ": refused to follow a redirect to plain http on " + next->origin.host +
                            " (set allow_insecure_http to allow it)");
    }
    if (hop >= kMaxRedirects) {
      throw TransportError(request.method + " " + internal::loggable_url(request) + ": more than " +
                           std::to_string(kMaxRedirects) + " redirects");
    }
    HttpRequest out = request;
    out.url = std::move(*next_url);
    if (next->origin != base_.origin) {
      // The key belongs to the configured origin alone: never another scheme, host or port.
      out.headers.erase(
          std::remove_if(out.headers.begin(), out.headers.end(),
                         [](const auto& h) { return internal::iequals(h.first, "Authorization"); }),
          out.headers.end());
    }
    if (status == 303 || ((status == 301 || status == 302) && out.method == "POST")) {
      out.method = "GET";
      out.body.clear();
    }
    if (out.timeout.count() > 0) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        throw TimeoutError(request.method + " " + internal::loggable_url(request) +
                           ": timed out while following redirects");
      }
      out.timeout = left;
    }
    return out;
  }

  HttpResponse send_following_redirects(HttpRequest request, const StreamSink* sink) {
    const auto deadline = Clock::now() + request.timeout;
    for (int hop = 0;; ++hop) {
      HttpResponse response =
          sink != nullptr ? transport_->stream(request, *sink) : transport_->send(request);
      auto next = follow(request, response, hop, deadline);
      if (!next) return response;
      request = std::move(*next);
    }
  }

  internal::AsyncEngine& engine() {
    std::call_once(engine_once_, [this] {
      engine_ = std::make_unique<internal::AsyncEngine>(
          CurlTransportOptions{options_.verify_tls, options_.ca_bundle},
          options_.max_concurrent_requests);
    });
    return *engine_;
  }

  template <typename T>
  void submit_attempt(const std::shared_ptr<AsyncCall<T>>& state, Clock::time_point when) {
    state->current = state->request;
    state->hop = 0;
    // The engine is destroyed before the rest of Impl, and runs every callback first.
    engine().submit(
        state->current,
        [this, state](internal::AsyncResult r) { on_async_result(state, std::move(r)); }, when);
  }

  template <typename T>
  void on_async_result(const std::shared_ptr<AsyncCall<T>>& state, internal::AsyncResult result) {
    if (result.shutting_down) {
      state->promise.set_exception(result.error);
      return;
    }
    // The attempt's clock (redirect deadline, RequestEvent::elapsed) starts when its first hop
    // left the engine's queue, as the blocking path's starts when it sends; not when it was
    // due, which is earlier whenever the engine was busy.
    if (state->hop == 0) state->started = result.started;
    if (!result.error) {
      try {
        auto next = follow(state->current, result.response, state->hop,
                           state->started + state->request.timeout);
        if (next) {
          ++state->hop;
          state->current = std::move(*next);
          engine().submit(state->current, [this, state](internal::AsyncResult r) {
            on_async_result(state, std::move(r));
          });
          return;
        }
      } catch (const Error&) {
        result.error = std::current_exception();
      }
    }
    Outcome outcome = evaluate(state->request, std::move(result.response), result.error);
    notify(state->request, state->attempt, outcome, state->started);
    if (!outcome.error) {
      try {
        state->promise.set_value(decode(outcome.response, state->decoder));
      } catch (...) {
        state->promise.set_exception(std::current_exception());
      }
      return;
    }
    const auto delay = next_delay(outcome, state->attempt);
    if (!delay) {
      state->promise.set_exception(outcome.error);
      return;
    }
    ++state->attempt;
    submit_attempt(state, Clock::now() + *delay);
  }

  void notify(const HttpRequest& request, int attempt, const Outcome& outcome,
              Clock::time_point started) const noexcept {
    if (!options_.on_request) return;
    try {
      Headers headers = request.headers;
      for (auto& [name, value] : headers) {
        value = internal::iequals(name, "Authorization") ? "***" : redact(std::move(value));
      }
      RequestEvent event{request.method,
                         redact(internal::loggable_url(request)),
                         attempt,
                         outcome.status,
                         std::chrono::duration_cast<milliseconds>(Clock::now() - started),
                         outcome.error_text,
                         std::move(headers)};
      options_.on_request(event);
    } catch (...) {
      // An observer must not turn a finished call (perhaps a created job) into a failure.
    }
  }

  ClientOptions options_;
  std::string base_url_;
  internal::ParsedUrl base_;
  Headers headers_;
  std::shared_ptr<Transport> transport_;
  std::once_flag engine_once_;
  // Last: destroyed first, failing the calls in flight while the rest is still alive.
  std::unique_ptr<internal::AsyncEngine> engine_;
};

PixxelClient::PixxelClient(ClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {}

const std::string& PixxelClient::base_url() const noexcept { return impl_->base_url(); }

Job PixxelClient::create_job(std::string_view workflow_id, std::string_view project_id) {
  return impl_->decode(impl_->call(impl_->create_job_request(workflow_id, project_id)),
                       &internal::decode_job);
}

}  // namespace pixxel

namespace pixxel {

Job PixxelClient::get_job(std::string_view workflow_id, std::string_view job_id) {
  return impl_->decode(impl_->call(impl_->get_job_request(workflow_id, job_id)),
                       &internal::decode_job);
}

std::future<Job> PixxelClient::create_job_async(std::string_view workflow_id,
                                                std::string_view project_id) {
  return impl_->call_async([&] { return impl_->create_job_request(workflow_id, project_id); },
                           &internal::decode_job);
}

std::future<Job> PixxelClient::get_job_async(std::string_view workflow_id,
                                             std::string_view job_id) {
  return impl_->call_async([&] { return impl_->get_job_request(workflow_id, job_id); },
                           &internal::decode_job);
}

std::vector<Job> PixxelClient::list_jobs(std::string_view workflow_id, const ListJobsQuery& query) {
  validate_id("workflow_id", workflow_id);
  const std::pair<std::string_view, const std::string*> filters[] = {
      {"id", &query.id},
      {"status", &query.status},
      {"created_by", &query.created_by},
      {"created_on", &query.created_on}};
  std::vector<std::pair<std::string_view, std::string_view>> params;
  for (const auto& [name, value] : filters) {
    if (internal::has_control_chars(*value)) {
      throw InvalidArgumentError("ListJobsQuery::" + std::string(name) +
                                 " must not contain control characters");
    }
    params.emplace_back(name, *value);
  }
  const std::string url = impl_->url({"v0", "workflows", workflow_id, "jobs"}, params);
  return impl_->decode(impl_->call(impl_->api_request("GET", url)), &internal::decode_job_list);
}

namespace {

// Whether a failed poll is worth polling again: the retry rules' verdict for a GET, so that a
// wait tolerates exactly what one call retries, only for longer.
bool is_retryable_poll_failure(const Error& error) {
  if (dynamic_cast<const TransportError*>(&error) != nullptr) return true;  // TimeoutError too
  const auto* api = dynamic_cast<const ApiError*>(&error);
  return api != nullptr && internal::is_retryable_status(api->status_code(), /*may_repeat=*/true);
}

}  // namespace

Job PixxelClient::wait_for_job(std::string_view workflow_id, std::string_view job_id,
                               const WaitOptions& options) {
  validate_id("workflow_id", workflow_id);
  validate_id("job_id", job_id);
  if (options.poll_interval.count() <= 0) {
    throw InvalidArgumentError("WaitOptions::poll_interval must be positive");
  }
  if (options.max_poll_interval < options.poll_interval) {
    throw InvalidArgumentError("WaitOptions::max_poll_interval must not be below poll_interval");
  }
  if (options.timeout.count() < 0) {
    throw InvalidArgumentError("WaitOptions::timeout must not be negative");
  }
  const auto started = Clock::now();
  std::string last_status;
  std::string last_failure;  // the last poll's error, when it failed
  // The time left to wait; throws TimeoutError once there is none.
  const auto time_left = [&]() -> Clock::duration {
    if (options.timeout.count() == 0) return Clock::duration::max();
    const auto left = options.timeout - (Clock::now() - started);
    if (left > Clock::duration::zero()) return left;
    std::string what = "job " + std::string(job_id) + " did not finish within " +
                       std::to_string(options.timeout.count()) +
                       " ms (last status: " + (last_status.empty() ? "none" : last_status);
    if (!last_failure.empty()) what += "; last poll failed: " + last_failure;
    throw TimeoutError(what + ")", true);
  };
  milliseconds pause = options.poll_interval;
  for (;;) {
    std::optional<Job> job;
    std::optional<milliseconds> retry_after;
    Clock::duration left{};
    try {
      job = get_job(workflow_id, job_id);
    } catch (const Error& e) {
      if (!is_retryable_poll_failure(e)) throw;
      last_failure = impl_->redact(e.what());
      left = time_left();
      if (options.on_poll_error) options.on_poll_error(e);
      if (const auto* api = dynamic_cast<const ApiError*>(&e)) retry_after = api->retry_after();
    }
    if (job) {
      last_status = job->status;
      last_failure.clear();
      if (options.on_update) options.on_update(*job);
      if (is_terminal_status(job->status)) return std::move(*job);
      left = time_left();
    }
    // A server that said when to come back is believed, but never past the wait's deadline;
    // a poll right at the deadline comes before giving up.
    const Clock::duration nap = std::max<Clock::duration>(pause, retry_after.value_or(pause));
    std::this_thread::sleep_for(std::min(nap, left));
    pause = std::min(options.max_poll_interval, pause + pause / 2);
  }
}

DownloadLink PixxelClient::download_job(std::string_view workflow_id, std::string_view job_id) {
  validate_id("workflow_id", workflow_id);
  validate_id("job_id", job_id);
  const std::string url = impl_->url({"v0", "workflows", workflow_id, "jobs", job_id, "download"});
  return impl_->decode(impl_->call(impl_->api_request("PUT", url)),
                       &internal::decode_download_link);
}

DownloadLink PixxelClient::download_task(std::string_view workflow_id, std::string_view job_id,
                                         std::string_view task_id) {
  validate_id("workflow_id", workflow_id);
  validate_id("job_id", job_id);
  validate_id("task_id", task_id);
  const std::string url =
      impl_->url({"v0", "workflows", workflow_id, "jobs", job_id, "tasks", task_id, "download"});
  return impl_->decode(impl_->call(impl_->api_request("PUT", url)),
                       &internal::decode_download_link);
}

namespace {

std::string system_error_text(int error) { return std::system_category().message(error); }

// The temporary file a download is written to, next to its destination. It is created
// exclusively and never through a symlink, so it is always a new file of ours, never one that
// was there (a leftover, or a link planted to make us overwrite its target); it is removed
// unless it was put in place.
class PartFile {
 public:
  explicit PartFile(const std::string& path) {
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    thread_local std::mt19937_64 rng{std::random_device{}()};
    // path + ".part" when that name is free, else a new unique one.
    for (int i = 0; i < 100; ++i) {
      std::string name = path + ".part";
      if (i > 0) {
        name += '-';
        for (int c = 0; c < 8; ++c) name += kAlphabet[rng() % (sizeof kAlphabet - 1)];
      }
      fd_ = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
      if (fd_ >= 0) {
        name_ = std::move(name);
        return;
      }
      if (errno != EEXIST) {
        throw Error("cannot create \"" + name + "\": " + system_error_text(errno));
      }
    }
    throw Error("cannot create a temporary file next to \"" + path + "\"");
  }
  ~PartFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!name_.empty()) ::unlink(name_.c_str());
  }
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  void write_at(std::uint64_t offset, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        throw Error("cannot write \"" + name_ + "\": " + system_error_text(n < 0 ? errno : ENOSPC));
      }
      data.remove_prefix(static_cast<std::size_t>(n));
      offset += static_cast<std::uint64_t>(n);
    }
  }

  void truncate() {
    if (::ftruncate(fd_, 0) != 0) {
      throw Error("cannot truncate \"" + name_ + "\": " + system_error_text(errno));
    }
  }

  // Puts the file at `path`. With `overwrite`, rename replaces whatever is there (a symlink
  // itself, not its target); without, link fails if anything is there, even a dangling
  // symlink, so no file can appear between a check and the move and be replaced.
  void commit(const std::string& path, bool overwrite) {
    const bool written = ::fsync(fd_) == 0;
    const int error = errno;
    const bool closed = ::close(fd_) == 0;
    fd_ = -1;
    if (!written || !closed) {
      throw Error("cannot write \"" + name_ + "\": " + system_error_text(written ? errno : error));
    }
    if (overwrite) {
      if (::rename(name_.c_str(), path.c_str()) != 0) {
        throw Error("cannot rename \"" + name_ + "\" to \"" + path +
                    "\": " + system_error_text(errno));
      }
      name_.clear();
      return;
    }
    if (::link(name_.c_str(), path.c_str()) == 0) {
      ::unlink(name_.c_str());
      name_.clear();
      return;
    }
    int link_error = errno;
#ifdef RENAME_NOREPLACE
    // A file system without hard links (FAT, some FUSE ones) may still rename without
    // replacing.
    if (link_error != EEXIST) {
      if (::renameat2(AT_FDCWD, name_.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
        name_.clear();
        return;
      }
      link_error = errno;
    }
#endif
    if (link_error == EEXIST) {
      throw InvalidArgumentError("\"" + path + "\" exists; set SaveOptions::overwrite");
    }
    throw Error("cannot create \"" + path + "\": " + system_error_text(link_error));
  }

 private:
  std::string name_;
  int fd_ = -1;
};

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
  text = trim_spaces(text);
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// A content-coded body is decoded on the way in: its bytes are not those that the length and
// the ranges count.
bool is_encoded(const Headers& headers) {
  auto coding = find_header(headers, "Content-Encoding");
  return coding && !coding->empty() && !internal::iequals(*coding, "identity");
}

// The length of the body as it is stored, when the answer says.
std::optional<std::uint64_t> stored_length(const Headers& headers) {
  if (is_encoded(headers)) return std::nullopt;
  auto length = find_header(headers, "Content-Length");
  return length ? parse_count(*length) : std::nullopt;
}

bool serves_byte_ranges(const Headers& headers) {
  const std::string units = find_header(headers, "Accept-Ranges").value_or(std::string());
  std::string_view rest = units;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    if (internal::iequals(trim_spaces(rest.substr(0, comma)), "bytes")) return true;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return false;
}

// "Content-Range: bytes FIRST-LAST/COMPLETE" (COMPLETE may be "*").
struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::optional<std::uint64_t> complete;
};

std::optional<ContentRange> parse_content_range(std::string_view value) {
  if (value.size() < 6 || !internal::iequals(value.substr(0, 6), "bytes ")) return std::nullopt;
  value.remove_prefix(6);
  const auto dash = value.find('-');
  const auto slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) {
    return std::nullopt;
  }
  auto first = parse_count(value.substr(0, dash));
  auto last = parse_count(value.substr(dash + 1, slash - dash - 1));
  if (!first || !last || *first > *last) return std::nullopt;
  ContentRange range{*first, *last, std::nullopt};
  if (value.substr(slash + 1) != "*") {
    range.complete = parse_count(value.substr(slash + 1));
    if (!range.complete || *range.complete <= *last) return std::nullopt;
  }
  return range;
}

// What the temporary file of a download holds across attempts, and how the next attempt may
// continue it. A retry asks for the rest (Range) only when the last whole answer said the
// server serves byte ranges and named a validator; If-Range with that validator makes a
// server whose object changed send all of the new one, which is never stitched onto the old
// one's head. Any whole answer starts the file over.
class ResumableDownload {
 public:
  ResumableDownload(PartFile& file, std::string what,
                    const std::function<void(const DownloadProgress&)>& on_progress)
      : file_(file), what_(std::move(what)), on_progress_(on_progress) {}

  HttpRequest next(const HttpRequest& request) {
    head_seen_ = false;
    ranged_ = resumable_ && received_ > 0 && (total_ == 0 || received_ < total_);
    if (!ranged_) return request;
    HttpRequest out = request;
    out.headers.emplace_back("Range", "bytes=" + std::to_string(received_) + "-");
    out.headers.emplace_back("If-Range", etag_.empty() ? last_modified_ : etag_);
    return out;
  }

  void head(int status, const Headers& headers) {
    head_seen_ = true;
    if (status == 206) {
      continue_with(headers);
      return;
    }
    const bool restarted = received_ > 0;
    if (restarted) {
      file_.truncate();
      received_ = 0;
    }
    total_ = stored_length(headers).value_or(0);
    etag_ = find_header(headers, "ETag").value_or(std::string());
    // A weak validator must not be used in If-Range (RFC 9110, 13.1.5).
    if (etag_.rfind("W/", 0) == 0) etag_.clear();
    last_modified_ = find_header(headers, "Last-Modified").value_or(std::string());
    resumable_ = serves_byte_ranges(headers) && !is_encoded(headers) &&
                 !(etag_.empty() && last_modified_.empty());
    if (restarted) report(true);
  }

  void body(std::string_view chunk) {
    if (!head_seen_) head(200, {});
    if (total_ > 0 && received_ + chunk.size() > total_) {
      resumable_ = false;
      throw TransportError(
          what_ + ": the body is longer than announced (" + std::to_string(total_) + " bytes)",
          true);
    }
    file_.write_at(received_, chunk);
    received_ += chunk.size();
    report(false);
  }

  // After a 2xx answer: it is complete, or the attempt failed.
  void check(const HttpResponse& response) {
    if (!head_seen_) head(response.status_code, response.headers);
    if (total_ == 0 && response.status_code != 206) {
      total_ = stored_length(response.headers).value_or(0);
    }
    if (total_ > 0 && received_ != total_) {
      throw TransportError(what_ + ": the body ended after " + std::to_string(received_) + " of " +
                               std::to_string(total_) + " bytes",
                           true);
    }
  }

  std::uint64_t done() {
    if (total_ == 0) total_ = received_;
    report(true);
    return received_;
  }

 private:
  void continue_with(const Headers& headers) {
    const auto range = parse_content_range(find_header(headers, "Content-Range").value_or(""));
    const auto etag = find_header(headers, "ETag");
    const auto modified = find_header(headers, "Last-Modified");
    const bool same_object =
        etag_.empty() ? !modified || *modified == last_modified_ : !etag || *etag == etag_;
    const bool continues = ranged_ && range && range->first == received_ && !is_encoded(headers) &&
                           same_object &&
                           (!range->complete || total_ == 0 || *range->complete == total_);
    if (!continues) {
      // Whatever this part is, it is not the rest of the file: ask for all of it next time.
      resumable_ = false;
      throw TransportError(what_ + ": the server sent a part that does not continue the file",
                           true);
    }
    if (range->complete) total_ = *range->complete;
  }

  void report(bool now) {
    if (!on_progress_) return;
    if (!now && Clock::now() - last_report_ < milliseconds(100)) return;
    last_report_ = Clock::now();
    on_progress_(DownloadProgress{received_, total_});
  }

  PartFile& file_;
  const std::string what_;
  const std::function<void(const DownloadProgress&)>& on_progress_;
  std::uint64_t received_ = 0;  // bytes in the file
  std::uint64_t total_ = 0;     // the object's length, 0 while unknown
  bool resumable_ = false;
  std::string etag_;           // strong only
  std::string last_modified_;  // the validator when there is no strong ETag
  bool ranged_ = false;        // this attempt asked for the rest
  bool head_seen_ = false;     // this attempt's answer has said what it is
  Clock::time_point last_report_ = Clock::now();
};

}  // namespace

std::uint64_t PixxelClient::save_download(const DownloadLink& link, const std::string& path,
                                          const SaveOptions& options) {
  if (!internal::iequals(link.status, "ready")) {
    throw InvalidArgumentError("the download is not ready (status \"" + link.status +
                               "\"); ask for the link again later");
  }
  auto parsed = internal::parse_url(link.signed_url);
  if (!parsed) throw InvalidArgumentError("the link's signed_url is not an http(s) URL");
  if (parsed->origin.scheme == "http" && !internal::is_loopback_host(parsed->origin.host) &&
      !impl_->options().allow_insecure_http) {
    throw InvalidArgumentError(
        "the link's signed_url is plain http to another host; set allow_insecure_http to "
        "accept it");
  }
  if (path.empty()) throw InvalidArgumentError("path must not be empty");
  // Saves a download that could not be kept; commit() alone decides, without a race. lstat:
  // a symlink, even a dangling one, is a file there.
  struct stat existing {};
  if (!options.overwrite && ::lstat(path.c_str(), &existing) == 0) {
    throw InvalidArgumentError("\"" + path + "\" exists; set SaveOptions::overwrite");
  }

  PartFile file(path);
  const ClientOptions& client = impl_->options();
  // No Authorization: a signed URL carries its own credential, and the key stays with the API.
  const HttpRequest request{"GET",
                            link.signed_url,
                            {{"User-Agent", std::string("pixxel-cpp/") + version()}},
                            {},
                            client.connect_timeout,
                            milliseconds(0),
                            client.max_response_bytes,
                            client.timeout};
  ResumableDownload download(file, "GET " + internal::loggable_url(request), options.on_progress);
  const StreamSink sink{[&](int status, const Headers& headers) { download.head(status, headers); },
                        [&](std::string_view chunk, std::uint64_t) { download.body(chunk); }};
  impl_->call_resumable([&] { return download.next(request); }, sink,
                        [&](const HttpResponse& response) { download.check(response); });
  const std::uint64_t written = download.done();
  file.commit(path, options.overwrite);
  return written;
}

}  // namespace pixxel
