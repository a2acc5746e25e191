#ifndef PIXXEL_ERROR_MAPPING_HPP_
#define PIXXEL_ERROR_MAPPING_HPP_

// From a non-2xx answer to the typed ApiError that says what it was. Not public API.

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

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

// The standard reason phrase of an HTTP status, or "HTTP <code>": the message of an error
// whose body names none.
std::string reason_phrase(int status_code);

}  // namespace pixxel::internal

#endif  // PIXXEL_ERROR_MAPPING_HPP_
