#ifndef PIXXEL_ERRORS_HPP_
#define PIXXEL_ERRORS_HPP_

/// @file
/// The exceptions the SDK throws. Every one derives from `pixxel::Error`, and no `what()`
/// ever contains the API key.
///
/// @code
/// try {
///   pixxel::Job job = client.create_job("wf-1", "proj-1");
/// } catch (const pixxel::RateLimitError& e) {
///   // e.retry_after() says how long the server asked us to wait.
/// } catch (const pixxel::ApiError& e) {
///   std::cerr << e.status_code() << " " << e.message() << " " << e.request_id() << "\n";
/// } catch (const pixxel::TransportError& e) {
///   // No HTTP answer: DNS, connect, TLS, reset, timeout (TimeoutError).
/// }
/// @endcode

#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "pixxel/export.hpp"

namespace pixxel {

namespace internal {
struct ErrorOutcome;
}  // namespace internal

/// The base of every error the SDK throws.
///
/// @par Unknown outcomes
/// A call that creates something (`create_job`, and every other POST) can fail after the
/// server acted on it: the answer was lost, the server failed after creating the job, a
/// redirect to the new job could not be followed. Such an error says so with
/// `outcome_unknown()`, and `sent_at()` says when the request went out, so that
/// `PixxelClient::find_jobs_created_since` can list the candidates. The SDK never repeats
/// such a request by itself unless `RetryPolicy::retry_non_idempotent` is set.
///
/// @code
/// try {
///   job = client.create_job(workflow, project);
/// } catch (const pixxel::Error& e) {
///   if (!e.outcome_unknown()) throw;  // nothing was created: safe to try again
///   for (const pixxel::Job& j : client.find_jobs_created_since(workflow, *e.sent_at())) {
///     std::cout << "perhaps ours: " << j.id << "\n";
///   }
/// }
/// @endcode
class PIXXEL_EXPORT Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;

  /// True when the call may have created (or changed) something on the server although it
  /// failed: a request that is not idempotent (POST) was sent and no answer came, or the
  /// answer was a 5xx other than 503, or a 2xx that could not be read, or a redirect (303)
  /// to what it created was followed by a failure; a sent POST that was cancelled or timed
  /// out. False for failures of idempotent calls (GET, PUT, DELETE), for answers that say
  /// nothing was done (4xx, 503), and for anything known not to have reached the server.
  bool outcome_unknown() const noexcept { return outcome_unknown_; }

  /// When the request that may have acted was sent (UTC, this machine's clock), when known:
  /// the start of the first attempt that reached the server. Set on every error whose
  /// `outcome_unknown()` is true.
  std::optional<std::chrono::system_clock::time_point> sent_at() const noexcept { return sent_at_; }

 private:
  friend struct internal::ErrorOutcome;
  bool outcome_unknown_ = false;
  std::optional<std::chrono::system_clock::time_point> sent_at_;
};

/// Bad `ClientOptions`: no API key, a key or header value with control characters, a base URL
/// that is not http(s), plain http to a host that is not loopback, a negative timeout.
class PIXXEL_EXPORT ConfigurationError : public Error {
 public:
  /// @param what the message (never the key).
  /// @param option the `ClientOptions` field at fault, as `option()` names it; empty for none.
  explicit ConfigurationError(const std::string& what, std::string option = {})
      : Error(what), option_(std::move(option)) {}

  /// The `ClientOptions` field to change, so that a program can tell causes apart without
  /// reading the message (and give its own advice): `"api_key"` (none given, here or in
  /// `PIXXEL_API_KEY`, or one with control characters), `"base_url"` (not an http(s) URL, or
  /// with a query), `"allow_insecure_http"` (plain http to a host that is not this machine),
  /// `"connect_timeout"`, `"timeout"`, `"retry"`, `"user_agent"`, `"max_response_bytes"`,
  /// `"max_concurrent_requests"`, `"verify_tls"` (TLS options beside a custom transport).
  /// Empty when no option is at fault (libcurl could not start).
  const std::string& option() const noexcept { return option_; }

 private:
  std::string option_;
};

/// A call that the `Connection` in use does not implement: the default of every `Connection`
/// virtual added after a user's subclass was written (such as `save_download`), so that the
/// subclass keeps compiling and fails only when the new call is made. The real connection
/// (`make_connection`) and `pixxel::mocks::MockConnection` implement every call.
///
/// @par Thread Safety
/// As any exception: immutable once thrown.
class PIXXEL_EXPORT UnimplementedError : public Error {
 public:
  /// @param call the `Connection` virtual that is not implemented, like `"save_download"`.
  explicit UnimplementedError(const std::string& call)
      : Error("pixxel::Connection::" + call + " is not implemented by this connection"),
        call_(call) {}

  /// The `Connection` virtual that was called, like `"save_download"`.
  const std::string& call() const noexcept { return call_; }

 private:
  std::string call_;
};

/// A bad call argument (an empty id, an id of `.` or `..`, control characters), thrown
/// before any request is sent.
class PIXXEL_EXPORT InvalidArgumentError : public Error {
 public:
  using Error::Error;
};

/// No HTTP answer: DNS failure, refused connection, TLS failure, reset, truncated body; also a
/// redirect that is not followed (too many, or to plain http without `allow_insecure_http`).
class PIXXEL_EXPORT TransportError : public Error {
 public:
  /// @param what the message, naming the method and URL (never the key).
  /// @param request_sent false only when the request provably never left this machine (DNS
  ///     failure, refused or failed connect), which makes any request safe to retry.
  explicit TransportError(const std::string& what, bool request_sent = true)
      : Error(what), request_sent_(request_sent) {}

  /// False when the request provably never reached the server; true when it may have.
  bool request_sent() const noexcept { return request_sent_; }

 private:
  bool request_sent_;
};

/// The connect timeout or the per-attempt timeout ran out (or `wait_for_job`'s timeout).
class PIXXEL_EXPORT TimeoutError : public TransportError {
 public:
  using TransportError::TransportError;
};

/// The answer's body was larger than `ClientOptions::max_response_bytes`. The SDK stops
/// reading at the limit, so memory stays bounded.
class PIXXEL_EXPORT ResponseTooLargeError : public Error {
 public:
  ResponseTooLargeError(const std::string& what, std::size_t limit) : Error(what), limit_(limit) {}

  /// The limit that was exceeded, in bytes.
  std::size_t limit() const noexcept { return limit_; }

 private:
  std::size_t limit_;
};

/// A 2xx answer whose body is not the expected JSON.
class PIXXEL_EXPORT DecodeError : public Error {
 public:
  /// @param path where decoding failed, like `tasks[3].progress`; empty for the whole body.
  /// @param reason what was wrong there, like `expected a number, got an object`.
  /// @param status_code the HTTP status of the answer, or 0 when decoding outside a call.
  /// @param request_id the answer's `X-Request-Id`, if any.
  DecodeError(std::string path, std::string reason, int status_code = 0,
              std::string request_id = {});

  /// The JSON path of the value that could not be read, like `tasks[3].progress`; empty
  /// when the body as a whole is wrong (not JSON, not an object).
  const std::string& path() const noexcept { return path_; }
  /// What was wrong at `path()`.
  const std::string& reason() const noexcept { return reason_; }
  /// The HTTP status of the answer, or 0 when the error did not come from a call.
  int status_code() const noexcept { return status_code_; }
  /// The answer's `X-Request-Id`, or empty.
  const std::string& request_id() const noexcept { return request_id_; }

 private:
  std::string path_;
  std::string reason_;
  int status_code_;
  std::string request_id_;
};

/// A non-2xx answer. Subclasses name the statuses a caller is likely to handle; any other
/// status is a plain `ApiError`.
class PIXXEL_EXPORT ApiError : public Error {
 public:
  ApiError(int status_code, std::string code, std::string message, nlohmann::json details,
           std::string body, std::string request_id,
           std::optional<std::chrono::milliseconds> retry_after);

  /// The HTTP status, like 404.
  int status_code() const noexcept { return status_code_; }
  /// `error.code` from the body, or empty.
  const std::string& code() const noexcept { return code_; }
  /// `error.message` from the body, else a top-level `message` string, else a top-level
  /// `error` string, else the HTTP reason phrase.
  const std::string& message() const noexcept { return message_; }
  /// `error.details` from the body (any JSON), or `null`.
  const nlohmann::json& details() const noexcept { return details_; }
  /// The body as received, except that the API key is replaced by `***` wherever the body
  /// spells it, with JSON escapes or percent-encoding too.
  const std::string& body() const noexcept { return body_; }
  /// The answer's `X-Request-Id` header, or empty; quote it when reporting a problem.
  const std::string& request_id() const noexcept { return request_id_; }
  /// How long the server asked the client to wait (`Retry-After`, in seconds or as an
  /// HTTP-date), if it said.
  std::optional<std::chrono::milliseconds> retry_after() const noexcept { return retry_after_; }

 private:
  int status_code_;
  std::string code_;
  std::string message_;
  nlohmann::json details_;
  std::string body_;
  std::string request_id_;
  std::optional<std::chrono::milliseconds> retry_after_;
};

/// 400: the request was malformed (for example an unknown project).
class PIXXEL_EXPORT BadRequestError : public ApiError {
 public:
  using ApiError::ApiError;
};
/// 401: the API key was missing or not accepted.
class PIXXEL_EXPORT AuthenticationError : public ApiError {
 public:
  using ApiError::ApiError;
};
/// 403: the key may not do this; Pixxel also answers 403 for a missing or wrong key.
class PIXXEL_EXPORT PermissionDeniedError : public ApiError {
 public:
  using ApiError::ApiError;
};
/// 404: no such workflow, job or task.
class PIXXEL_EXPORT NotFoundError : public ApiError {
 public:
  using ApiError::ApiError;
};
/// 409: the request conflicts with the resource's state.
class PIXXEL_EXPORT ConflictError : public ApiError {
 public:
  using ApiError::ApiError;
};
/// 422: the request was understood but cannot be processed.
class PIXXEL_EXPORT UnprocessableEntityError : public ApiError {
 public:
  using ApiError::ApiError;
};
/// 429: too many requests; `retry_after()` says how long to wait, if the server said.
class PIXXEL_EXPORT RateLimitError : public ApiError {
 public:
  using ApiError::ApiError;
};
/// Any 5xx: the server failed.
class PIXXEL_EXPORT ServerError : public ApiError {
 public:
  using ApiError::ApiError;
};

}  // namespace pixxel

#endif  // PIXXEL_ERRORS_HPP_
