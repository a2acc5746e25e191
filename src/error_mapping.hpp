#ifndef PIXXEL_ERROR_MAPPING_HPP_
#define PIXXEL_ERROR_MAPPING_HPP_

// From a non-2xx answer straight to the typed ApiError that says what it was, for code that
// wants the exception at once. The SDK itself carries the answer as a Failure (failure.hpp)
// and makes the exception where the call leaves it. Not public API.

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "failure.hpp"

namespace pixxel::internal {

// The error for a non-2xx answer, as the right subclass for `status`: to_exception of
// api_failure (whose comment says what must already be redacted).
inline std::exception_ptr make_api_error(int status, const std::string& body,
                                         std::string request_id,
                                         std::optional<std::chrono::milliseconds> retry_after,
                                         std::string_view secret) {
  return to_exception(api_failure(status, body, std::move(request_id), retry_after, secret));
}

}  // namespace pixxel::internal

#endif  // PIXXEL_ERROR_MAPPING_HPP_
