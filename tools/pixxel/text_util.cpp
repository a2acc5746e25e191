#include "text_util.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "pixxel/parse.hpp"

namespace pixxel_cli {

namespace {

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = '?';
  }
  return out;
}

std::string format_seconds(std::chrono::milliseconds delay) {
  char buffer[32];
  if (delay.count() % 1000 == 0) {
    std::snprintf(buffer, sizeof buffer, "%lld s", static_cast<long long>(delay.count() / 1000));
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f s", static_cast<double>(delay.count()) / 1000);
  }
  return buffer;
}

std::chrono::milliseconds to_milliseconds(double seconds) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(seconds));
}

std::string file_name_part(std::string_view id) {
  std::string name = printable(id);
  std::replace(name.begin(), name.end(), '/', '_');
  std::replace(name.begin(), name.end(), '?', '_');
  return name;
}

std::string shell_quote(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("-_.,:/=@%+").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(word);
  std::string out = "'";
  for (const char c : printable(word)) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

bool is_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  // A real day: the timestamp parser knows the calendar.
  return pixxel::parse_timestamp(std::string(text) + "T00:00:00Z").has_value();
}

}  // namespace pixxel_cli
