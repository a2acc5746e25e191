#include "url.hpp"

#include <algorithm>
#include <cctype>

#include "text.hpp"

namespace pixxel::internal {
namespace {

bool parse_port(std::string_view digits, int& port) {
  int value = 0;
  if (digits.size() > 5 || !read_digits(digits, value)) return false;
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
    if (!read_digits(host.substr(i, end - i), value) || value > 255 || end - i > 3) return false;
    ++parts;
    i = end + 1;
  }
  return parts == 4;
}

std::string percent_encode(std::string_view text) {
  std::string out;
  append_percent_encoded(out, text);
  return out;
}

namespace {

bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

void append_percent_encoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  // Ids are mostly unreserved characters already: runs of them go in whole.
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_unreserved(c)) continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    const auto u = static_cast<unsigned char>(c);
    const char escape[] = {'%', kHex[u >> 4], kHex[u & 0xF]};
    out.append(escape, sizeof escape);
  }
  out.append(text.data() + run, text.size() - run);
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
        hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace pixxel::internal
