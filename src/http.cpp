#include "internal/http.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pixxel {
namespace internal {
namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

namespace {

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool parse_port(std::string_view digits, int& port) {
  if (digits.empty() || digits.size() > 5) return false;
  int value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return false;
  if (value < 1 || value > 65535) return false;
  port = value;
  return true;
}

bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    return std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    });
  }
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

// days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

int month_index(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (iequals(kMonths[i], name)) return static_cast<int>(i) + 1;
  }
  return 0;
}

bool read_int(std::string_view s, int& out) {
  // Digits only: from_chars takes a sign, and "127.-0.0.1" is a DNS name, not loopback.
  if (s.empty() || s.front() < '0' || s.front() > '9') return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && out >= 0;
}

// "08:49:37" -> seconds of the day.
bool read_clock(std::string_view s, int& seconds) {
  int h = 0, m = 0, sec = 0;
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return false;
  if (!read_int(s.substr(0, 2), h) || !read_int(s.substr(3, 2), m) ||
      !read_int(s.substr(6, 2), sec)) {
    return false;
  }
  if (h > 23 || m > 59 || sec > 60) return false;
  seconds = h * 3600 + m * 60 + sec;
  return true;
}

constexpr std::int64_t kMaxRetryAfterSeconds = 365LL * 24 * 3600;

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != ',') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// Seconds since the Unix epoch: kept in seconds, since nanosecond time_points overflow
// after 2262 and a server may send any year up to 9999.
std::optional<std::int64_t> parse_http_date(std::string_view s) {
  auto words = split_words(s);
  int day = 0, month = 0, year = 0, clock = 0;
  if (words.size() == 6 && iequals(words[5], "GMT")) {
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    if (!read_int(words[1], day) || (month = month_index(words[2])) == 0 ||
        !read_int(words[3], year) || !read_clock(words[4], clock)) {
      return std::nullopt;
    }
  } else if (words.size() == 4 && iequals(words[3], "GMT")) {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    std::string_view date = words[1];
    if (date.size() != 9 || date[2] != '-' || date[6] != '-') return std::nullopt;
    if (!read_int(date.substr(0, 2), day) || (month = month_index(date.substr(3, 3))) == 0 ||
        !read_int(date.substr(7, 2), year) || !read_clock(words[2], clock)) {
      return std::nullopt;
    }
    year += year < 70 ? 2000 : 1900;
  } else if (words.size() == 5) {
    // asctime: Sun Nov  6 08:49:37 1994
    if ((month = month_index(words[1])) == 0 || !read_int(words[2], day) ||
        !read_clock(words[3], clock) || !read_int(words[4], year)) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (day < 1 || day > 31 || year < 1970 || year > 9999) return std::nullopt;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return days * 86400 + clock;
}

}  // namespace

std::optional<ParsedUrl> parse_url(std::string_view url) {
  if (has_control_chars(url) || url.find(' ') != std::string_view::npos) return std::nullopt;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  ParsedUrl out;
  out.origin.scheme = to_lower(url.substr(0, sep));
  if (out.origin.scheme != "http" && out.origin.scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(sep + 3);
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  out.path_and_query =
      authority_end == std::string_view::npos ? "" : std::string(rest.substr(authority_end));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host = authority;
  out.origin.port = out.origin.scheme == "https" ? 443 : 80;
  const auto bracket = authority.rfind(']');
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    if (!parse_port(authority.substr(colon + 1), out.origin.port)) return std::nullopt;
  }
  if (!valid_host(host)) return std::nullopt;
  out.origin.host = to_lower(host);
  return out;
}

std::optional<std::string> resolve_location(const ParsedUrl& base, std::string_view location) {
  location = location.substr(0, location.find('#'));
  if (location.empty()) return std::nullopt;
  const auto scheme_end = location.find("://");
  if (scheme_end != std::string_view::npos && location.find_first_of("/?#") == scheme_end + 1) {
    if (!parse_url(location)) return std::nullopt;
    return std::string(location);
  }
  if (has_control_chars(location) || location.find(' ') != std::string_view::npos) {
    return std::nullopt;
  }
  const Origin& o = base.origin;
  if (location.substr(0, 2) == "//") {
    std::string url = o.scheme + ":" + std::string(location);
    if (!parse_url(url)) return std::nullopt;
    return url;
  }
  std::string prefix = o.scheme + "://" + o.host;
  if (o.port != (o.scheme == "https" ? 443 : 80)) prefix += ":" + std::to_string(o.port);
  if (location.front() == '/') return prefix + std::string(location);
  std::string_view base_path = base.path_and_query;
  base_path = base_path.substr(0, base_path.find('?'));
  const auto slash = base_path.rfind('/');
  std::string dir =
      slash == std::string_view::npos ? "/" : std::string(base_path.substr(0, slash + 1));
  return prefix + dir + std::string(location);
}

bool is_loopback_host(std::string_view host) {
  if (iequals(host, "localhost") || host == "[::1]") return true;
  // 127.0.0.0/8, written as a dotted quad.
  if (host.substr(0, 4) != "127.") return false;
  int parts = 0;
  std::size_t i = 0;
  while (i <= host.size()) {
    std::size_t end = host.find('.', i);
    if (end == std::string_view::npos) end = host.size();
    int value = 0;
    if (!read_int(host.substr(i, end - i), value) || value > 255 || end - i > 3) return false;
    ++parts;
    i = end + 1;
  }
  return parts == 4;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

bool has_control_chars(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    // Clamp absurd values instead of overflowing; a caller caps them anyway.
    if (value.size() > 9) return std::chrono::milliseconds(kMaxRetryAfterSeconds * 1000);
    std::int64_t seconds = 0;
    std::from_chars(value.data(), value.data() + value.size(), seconds);
    return std::chrono::milliseconds(std::min(seconds, kMaxRetryAfterSeconds) * 1000);
  }
  auto when = parse_http_date(value);
  if (!when) return std::nullopt;
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::int64_t now_s = now_ms / 1000;
  if (*when <= now_s) return std::chrono::milliseconds(0);
  // Clamped like delta-seconds: far beyond any cap a caller sets, and no overflow.
  const std::int64_t ahead_ms =
      std::min<std::int64_t>(*when - now_s, kMaxRetryAfterSeconds) * 1000 - now_ms % 1000;
  return std::chrono::milliseconds(std::max<std::int64_t>(ahead_ms, 0));
}

std::string reason_phrase(int status_code) {
  switch (status_code) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "HTTP " + std::to_string(status_code);
  }
}

std::size_t json_depth(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return limit + 1;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::string loggable_url(const HttpRequest& request) {
  const auto key = find_header(request.headers, "Authorization");
  const auto query = request.url.find('?');
  if (!key) {
    return query == std::string::npos ? request.url : request.url.substr(0, query) + "?...";
  }
  // The API's own URLs keep their query (project_id and filters help a reader), but a
  // redirect may put the key in it: such a value is hidden whole, in any spelling.
  if (query == std::string::npos) return redact(request.url, *key);
  std::string out = redact(request.url.substr(0, query), *key);
  char separator = '?';
  std::string_view rest = std::string_view(request.url).substr(query + 1);
  while (true) {
    const auto end = rest.find('&');
    const std::string_view param = rest.substr(0, end);
    out += separator;
    separator = '&';
    const auto equals = param.find('=');
    const std::string_view name = param.substr(0, equals);
    if (redact(std::string(param), *key) == param) {
      out += param;
    } else if (equals == std::string_view::npos || redact(std::string(name), *key) != name) {
      out += "***";
    } else {
      out += name;
      out += "=***";
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  // A key spelled across a '&' (one holding '&' itself) is not in any single value.
  return redact(std::move(out), *key);
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at text[at...], or -1.
long hex4(std::string_view text, std::size_t at) {
  if (at + 4 > text.size()) return -1;
  long value = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    const int digit = hex_digit(text[i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

// A spelling of some bytes at text[at...] other than the byte itself: a JSON escape, a
// percent-encoded byte, or '+' for a space (form encoding).
struct Escape {
  std::size_t length = 0;  // 0: none at `at`
  char bytes[4] = {};
  std::size_t count = 0;
};

Escape escape_at(std::string_view text, std::size_t at) {
  Escape e;
  const char c = text[at];
  if (c == '+') {
    e.length = 1;
    e.bytes[e.count++] = ' ';
  } else if (c == '%' && at + 2 < text.size() && hex_digit(text[at + 1]) >= 0 &&
             hex_digit(text[at + 2]) >= 0) {
    e.length = 3;
    e.bytes[e.count++] = static_cast<char>(hex_digit(text[at + 1]) * 16 + hex_digit(text[at + 2]));
  } else if (c == '\\' && at + 1 < text.size()) {
    static constexpr std::string_view kFrom = "\"\\/bfnrt";
    static constexpr std::string_view kTo = "\"\\/\b\f\n\r\t";
    const auto simple = kFrom.find(text[at + 1]);
    if (simple != std::string_view::npos) {
      e.length = 2;
      e.bytes[e.count++] = kTo[simple];
      return e;
    }
    if (text[at + 1] != 'u') return e;
    long cp = hex4(text, at + 2);
    std::size_t length = 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      const long low = at + 7 < text.size() && text[at + 6] == '\\' && text[at + 7] == 'u'
                           ? hex4(text, at + 8)
                           : -1;
      if (low < 0xDC00 || low > 0xDFFF) return e;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      length = 12;
    } else if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) {
      return e;
    }
    // As UTF-8, which is how a key with such a character is sent.
    const auto byte = [](long v) { return static_cast<char>(static_cast<unsigned char>(v)); };
    if (cp < 0x80) {
      e.bytes[e.count++] = byte(cp);
    } else if (cp < 0x800) {
      e.bytes[e.count++] = byte(0xC0 | (cp >> 6));
      e.bytes[e.count++] = byte(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      e.bytes[e.count++] = byte(0xE0 | (cp >> 12));
      e.bytes[e.count++] = byte(0x80 | ((cp >> 6) & 0x3F));
      e.bytes[e.count++] = byte(0x80 | (cp & 0x3F));
    } else {
      e.bytes[e.count++] = byte(0xF0 | (cp >> 18));
      e.bytes[e.count++] = byte(0x80 | ((cp >> 12) & 0x3F));
      e.bytes[e.count++] = byte(0x80 | ((cp >> 6) & 0x3F));
      e.bytes[e.count++] = byte(0x80 | (cp & 0x3F));
    }
    e.length = length;
  }
  return e;
}

struct Spelled {
  std::size_t bytes;  // of the secret spelled so far
  std::size_t at;     // in the text, where the rest must be spelled
  bool operator==(const Spelled& o) const { return bytes == o.bytes && at == o.at; }
};

// The end of a spelling of `secret` that starts at text[start], if one does. Each byte may be
// written as itself or escaped, so the search follows both where both apply; `seen` keeps it
// from following one partial spelling twice. Both vectors are scratch space of the caller's.
std::optional<std::size_t> spelling_at(std::string_view text, std::size_t start,
                                       std::string_view secret, std::vector<Spelled>& pending,
                                       std::vector<Spelled>& seen) {
  const char first = text[start];
  if (first != secret.front() && first != '\\' && first != '%' && first != '+') {
    return std::nullopt;
  }
  if (text.compare(start, secret.size(), secret) == 0) return start + secret.size();
  pending.assign(1, Spelled{0, start});
  seen.clear();
  while (!pending.empty()) {
    const Spelled s = pending.back();
    pending.pop_back();
    if (s.bytes == secret.size()) return s.at;
    if (s.at >= text.size() || std::find(seen.begin(), seen.end(), s) != seen.end()) continue;
    seen.push_back(s);
    if (text[s.at] == secret[s.bytes]) pending.push_back({s.bytes + 1, s.at + 1});
    const Escape e = escape_at(text, s.at);
    if (e.length > 0 && secret.compare(s.bytes, e.count, e.bytes, e.count) == 0) {
      pending.push_back({s.bytes + e.count, s.at + e.length});
    }
  }
  return std::nullopt;
}

std::string redact_spellings(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  std::vector<Spelled> pending;
  std::vector<Spelled> seen;
  // A replacement can join its neighbours into the secret again ("a" + "***" for "a*"), so
  // repeat until none is left; a secret of nothing but '*' would never shrink.
  for (int pass = 0; pass < 8; ++pass) {
    std::string out;
    std::size_t copied = 0;  // text[copied...] is not in `out` yet
    std::size_t i = 0;
    bool found = false;
    while (i < text.size()) {
      const auto end = spelling_at(text, i, secret, pending, seen);
      if (!end) {
        ++i;
        continue;
      }
      found = true;
      out.append(text, copied, i - copied);
      out += "***";
      copied = i = *end;
    }
    if (!found) break;
    out.append(text, copied, std::string::npos);
    text = std::move(out);
  }
  return text;
}

}  // namespace

std::string redact(std::string text, std::string_view secret) {
  text = redact_spellings(std::move(text), secret);
  // An Authorization value with a scheme ("Bearer <token>"): the token is the credential,
  // and a URL or an answer may well carry it without the scheme.
  const auto space = secret.find(' ');
  if (space == std::string_view::npos || space == 0) return text;
  const bool scheme = std::all_of(secret.begin(), secret.begin() + space, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
  if (!scheme) return text;
  std::string_view credential = secret.substr(space);
  while (!credential.empty() && credential.front() == ' ') credential.remove_prefix(1);
  return redact_spellings(std::move(text), credential);
}

}  // namespace internal

}  // namespace pixxel
