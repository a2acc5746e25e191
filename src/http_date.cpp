#include "http_date.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

#include "text.hpp"

namespace pixxel::internal {
namespace {

int month_index(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (iequals(kMonths[i], name)) return static_cast<int>(i) + 1;
  }
  return 0;
}

// "08:49:37" -> seconds of the day.
bool read_clock(std::string_view s, int& seconds) {
  int h = 0, m = 0, sec = 0;
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return false;
  if (!read_digits(s.substr(0, 2), h) || !read_digits(s.substr(3, 2), m) ||
      !read_digits(s.substr(6, 2), sec)) {
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

}  // namespace

std::optional<std::int64_t> parse_http_date(std::string_view s) {
  auto words = split_words(s);
  int day = 0, month = 0, year = 0, clock = 0;
  if (words.size() == 6 && iequals(words[5], "GMT")) {
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    if (!read_digits(words[1], day) || (month = month_index(words[2])) == 0 ||
        !read_digits(words[3], year) || !read_clock(words[4], clock)) {
      return std::nullopt;
    }
  } else if (words.size() == 4 && iequals(words[3], "GMT")) {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    std::string_view date = words[1];
    if (date.size() != 9 || date[2] != '-' || date[6] != '-') return std::nullopt;
    if (!read_digits(date.substr(0, 2), day) || (month = month_index(date.substr(3, 3))) == 0 ||
        !read_digits(date.substr(7, 2), year) || !read_clock(words[2], clock)) {
      return std::nullopt;
    }
    year += year < 70 ? 2000 : 1900;
  } else if (words.size() == 5) {
    // asctime: Sun Nov  6 08:49:37 1994
    if ((month = month_index(words[1])) == 0 || !read_digits(words[2], day) ||
        !read_clock(words[3], clock) || !read_digits(words[4], year)) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (day < 1 || day > 31 || year < 1970 || year > 9999) return std::nullopt;
  return days_from_civil(year, month, day) * 86400 + clock;
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
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

}  // namespace pixxel::internal
