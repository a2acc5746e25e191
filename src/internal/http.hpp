#ifndef PIXXEL_INTERNAL_HTTP_HPP_
#define PIXXEL_INTERNAL_HTTP_HPP_

// URL and header plumbing shared by the client and the transport. Not public API.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "pixxel/transport.hpp"

namespace pixxel::internal {

// The parts of an absolute http(s) URL that decide where a request goes.
struct Origin {
  std::string scheme;  // "http" or "https", lowercase
  std::string host;    // lowercase; IPv6 literals keep their brackets
  int port = 0;        // explicit or the scheme's default

  bool operator==(const Origin& o) const {
    return scheme == o.scheme && host == o.host && port == o.port;
  }
  bool operator!=(const Origin& o) const { return !(*this == o); }
};

struct ParsedUrl {
  Origin origin;
  std::string path_and_query;  // from the first '/' after the authority, may be empty
};

// ASCII case-insensitive equality, as header names compare.
bool iequals(std::string_view a, std::string_view b);

// Parses an absolute http(s) URL; nullopt for anything else (other schemes, user info,
// control characters or spaces, a bad port, no host).
std::optional<ParsedUrl> parse_url(std::string_view url);

// Resolves a Location header value against the URL it answered.
std::optional<std::string> resolve_location(const ParsedUrl& base, std::string_view location);

// localhost, 127.0.0.0/8 and [::1]: where plain http cannot be overheard.
bool is_loopback_host(std::string_view host);

// Percent-encodes everything but RFC 3986 unreserved characters, so the result is exactly one
// path segment or one query value.
std::string percent_encode(std::string_view text);

// True if `text` has a byte below 0x20 or 0x7F.
bool has_control_chars(std::string_view text);

// Retry-After as delta-seconds or an HTTP-date (IMF-fixdate, RFC 850 or asctime), relative
// to `now`; a date in the past gives zero.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// The standard reason phrase of an HTTP status, or "HTTP <code>".
std::string reason_phrase(int status_code);

// The URL as errors and events may show it: a request without the key (a signed download
// URL) carries its credential in the query, so that is cut off; in a request with the key
// (its Authorization value), the key is redacted and a query value holding it is hidden.
std::string loggable_url(const HttpRequest& request);

// The deepest nesting of arrays and objects in a JSON text (strings skipped), counted without
// parsing; `limit + 1` as soon as it exceeds `limit`. Deep values overflow the stack when
// nlohmann copies them, so bodies are checked before they are kept.
std::size_t json_depth(std::string_view text, std::size_t limit);

// Replaces every spelling of `secret` in `text` with "***": as itself, and with any of its
// bytes JSON-escaped (\/, \", \u0073, a surrogate pair for a character outside the BMP) or
// percent-encoded (%2F, '+' for a space), as an answer or a URL may spell it. When `secret`
// is an Authorization value with a scheme ("Bearer <token>"), the token alone is redacted too.
std::string redact(std::string text, std::string_view secret);

}  // namespace pixxel::internal

#endif  // PIXXEL_INTERNAL_HTTP_HPP_
