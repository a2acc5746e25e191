#include "redact.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>
#include <vector>

#include "text.hpp"

namespace pixxel::internal {
namespace {

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

}  // namespace pixxel::internal
