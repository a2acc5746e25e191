#ifndef PIXXEL_FAILURE_HPP_
#define PIXXEL_FAILURE_HPP_

// Why a call, or one attempt of it, failed: the pipeline's error as a value. The retry rules,
// the waits and the libcurl layer read its fields directly; the typed public exception
// (pixxel/errors.hpp) is made from it once, where the call leaves the SDK (raise,
// to_exception). Errors thrown by a user's Transport or callback come in through failure_of.
// Not public API.

#include <chrono>
#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pixxel/errors.hpp"
#include "pixxel/transport.hpp"

namespace pixxel::internal {

struct Failure {
  // Which public exception the failure becomes.
  enum class Kind {
    transport,         // TransportError: no complete answer
    timeout,           // TimeoutError
    cancelled,         // CancelledError
    redirect_refused,  // a redirect the client will not follow (a final TransportError)
    too_large,         // ResponseTooLargeError
    api,               // a non-2xx answer: ApiError, or its subclass for `status`
    decode,            // DecodeError
    invalid_argument,  // InvalidArgumentError
    configuration,     // ConfigurationError
    other,             // a pixxel::Error of no other kind (a custom transport's)
    foreign,           // not a pixxel::Error at all: `foreign` holds it, passed on as it is
  };

  Kind kind = Kind::transport;
  std::string what;  // the message; redacted before it leaves the SDK
  // transport, timeout, cancelled: whether the request may have reached the server.
  bool request_sent = true;
  // api, decode: the answer's status and X-Request-Id.
  int status = 0;
  std::string request_id;
  // api: what the server said.
  std::optional<std::chrono::milliseconds> retry_after;
  std::string code;
  std::string message;
  nlohmann::json details;
  std::string body;
  // decode: where and what.
  std::string path;
  std::string reason;
  std::size_t limit = 0;  // too_large
  std::string option;     // configuration
  std::exception_ptr foreign;
  // The pixxel::Error the failure was read from (failure_of), handed on as it is while no
  // field that its message or type shows has changed: a custom transport's (or callback's)
  // own subclass reaches the caller as it was thrown. Cleared by redacted and as_sent when
  // they change the failure.
  std::exception_ptr thrown;
  // The call's outcome (Error::outcome_unknown(), Error::sent_at()), decided by the pipeline.
  bool outcome_unknown = false;
  std::optional<std::chrono::system_clock::time_point> sent_at;

  static Failure transport(std::string what, bool request_sent);
  static Failure timeout(std::string what, bool request_sent);
  static Failure cancelled(std::string what, bool request_sent);
  static Failure redirect_refused(std::string what);
  static Failure too_large(std::string what, std::size_t limit);
  static Failure decode(std::string path, std::string reason, int status = 0,
                        std::string request_id = {});

  // A failure whose error says nothing of the request reaching the server (an argument, a
  // configuration) has request_sent() only through the kinds above.
  bool is_transport() const {
    return kind == Kind::transport || kind == Kind::timeout || kind == Kind::redirect_refused;
  }
};

// How a call, or one exchange of it, ended: the answer, or the failure.
struct Delivery {
  HttpResponse response;
  std::optional<Failure> failure;
};

// The failure of a non-2xx answer. `body` and `request_id` must already be redacted; what is
// read from the body (error.code, error.message, error.details) is redacted again, since JSON
// escapes (\u0074) can spell the key in a way that redacting the raw text misses.
Failure api_failure(int status, std::string body, std::string request_id,
                    std::optional<std::chrono::milliseconds> retry_after, std::string_view secret);

// What a thrown error says, as a failure: a pixxel::Error by its type, anything else as
// Kind::foreign (with what() of a std::exception in `what`, for the request log). Never
// throws.
Failure failure_of(const std::exception_ptr& error) noexcept;

// `failure` as it may leave the client: the same failure, or, when its message spells the key
// anywhere (a transport error naming a URL a redirect chose, a custom transport's message),
// one of the same kind with every spelling of `key` redacted from its texts.
Failure redacted(Failure failure, std::string_view key);

// `failure` as that of a request that reached the server: a transport failure (or timeout,
// or cancellation) that said it was not sent now says it was.
Failure as_sent(Failure failure);

// Sets what Error::outcome_unknown() and Error::sent_at() say. The pipeline decides them once
// per call (see Attempts), since only it knows every attempt and hop.
struct ErrorOutcome {
  using time_point = std::chrono::system_clock::time_point;
  // On the pixxel::Error inside `error` (anything else is left alone).
  static void set(const std::exception_ptr& error, bool unknown, std::optional<time_point> sent_at);
  static void set(Error& error, bool unknown, std::optional<time_point> sent_at) noexcept {
    error.outcome_unknown_ = unknown;
    error.sent_at_ = sent_at;
  }
};

// The standard reason phrase of an HTTP status, or "HTTP <code>": the message of an error
// whose body names none.
std::string reason_phrase(int status_code);

// The typed public exception for `failure`, with its outcome set.
std::exception_ptr to_exception(const Failure& failure);
[[noreturn]] void raise(const Failure& failure);

}  // namespace pixxel::internal

#endif  // PIXXEL_FAILURE_HPP_
