#ifndef PIXXEL_ERROR_MAPPING_HPP_
#define PIXXEL_ERROR_MAPPING_HPP_

// From a non-2xx answer to the typed ApiError that says what it was. Not public API.

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "pixxel/errors.hpp"

namespace pixxel::internal {

// The error for a non-2xx answer, as the right subclass for `status`. The body and the
// request id must already be redacted; what is decoded from the body is redacted again,
// since JSON escapes (\u0074) can spell the key in a way that redacting the raw text misses.
std::exception_ptr make_api_error(int status, const std::string& body, std::string request_id,
                                  std::optional<std::chrono::milliseconds> retry_after,
                                  std::string_view secret);

// `error` as it may leave the client: the same error, or, when its text spells the key
// anywhere (a transport error naming a URL a redirect chose, a custom transport's message), one
// of the same type with the key redacted.
std::exception_ptr redact_error(const std::exception_ptr& error, std::string_view key);

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

// `error` as the error of a request that reached the server: a TransportError (or
// TimeoutError) that says it was not sent becomes one of the same type that says it was.
// Anything else is returned as it is.
std::exception_ptr as_sent(const std::exception_ptr& error);

// The standard reason phrase of an HTTP status, or "HTTP <code>": the message of an error
// whose body names none.
std::string reason_phrase(int status_code);

}  // namespace pixxel::internal

#endif  // PIXXEL_ERROR_MAPPING_HPP_
