#ifndef PIXXEL_URL_HPP_
#define PIXXEL_URL_HPP_

// URLs: where a request goes, where a redirect leads, and how an id becomes one path segment.
// Shared by the library, its tests and its tools (through pixxel_util). Not public API.

#include <optional>
#include <string>
#include <string_view>

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
// The same, appended to `out`.
void append_percent_encoded(std::string& out, std::string_view text);

// Decodes each "%XX" into its byte, as servers decode a path; anything else (a bad escape,
// '+') stays as it is.
std::string percent_decode(std::string_view text);

}  // namespace pixxel::internal

#endif  // PIXXEL_URL_HPP_
