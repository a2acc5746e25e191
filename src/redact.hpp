#ifndef PIXXEL_REDACT_HPP_
#define PIXXEL_REDACT_HPP_

// Keeping the API key out of every text the SDK shows: errors, events, logs. Not public API.

#include <string>
#include <string_view>

#include "pixxel/transport.hpp"

namespace pixxel::internal {

// Replaces every spelling of `secret` in `text` with "***": as itself, and with any of its
// bytes JSON-escaped (\/, \", \u0073, a surrogate pair for a character outside the BMP) or
// percent-encoded (%2F, '+' for a space), as an answer or a URL may spell it. When `secret`
// is an Authorization value with a scheme ("Bearer <token>"), the token alone is redacted too.
std::string redact(std::string text, std::string_view secret);

// The URL as errors and events may show it: a request without the key (a signed download
// URL) carries its credential in the query, so that is cut off; in a request with the key
// (its Authorization value), the key is redacted and a query value holding it is hidden.
std::string loggable_url(const HttpRequest& request);

}  // namespace pixxel::internal

#endif  // PIXXEL_REDACT_HPP_
