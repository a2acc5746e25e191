#include "time_format.hpp"

#include <cstdio>

#include "http_date.hpp"  // the SDK's own helpers (pixxel_util), compiled in
#include "text.hpp"

namespace pixxel::mock::detail {
namespace {

using std::chrono::microseconds;

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

// Rounds towards negative infinity, unlike `/`: times before 1970 count back from a day's start.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

std::string with_fraction(std::int64_t value, std::int64_t unit, int digits) {
  std::string out = std::to_string(value / unit);
  std::string fraction = std::to_string(value % unit);
  fraction.insert(0, static_cast<std::size_t>(digits) - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) out += "." + fraction;
  return out;
}

// The `count` ASCII digits at `pos`.
bool digits_at(std::string_view s, std::size_t pos, std::size_t count, int& value) {
  return pos + count <= s.size() && internal::read_digits(s.substr(pos, count), value);
}

}  // namespace

std::tm utc_calendar(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

std::string format_timestamp(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::duration_cast<microseconds>(t.time_since_epoch()).count();
  const std::tm tm = utc_calendar(static_cast<std::time_t>(floor_div(us, kMicrosPerSecond)));
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00:00",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(us - floor_div(us, kMicrosPerSecond) * kMicrosPerSecond));
  return buffer;
}

std::string go_duration(microseconds d) {
  std::int64_t us = d.count();
  if (us == 0) return "0s";
  std::string out = us < 0 ? "-" : "";
  us = us < 0 ? -us : us;
  if (us < 1000) return out + std::to_string(us) + "\u00b5s";
  if (us < kMicrosPerSecond) return out + with_fraction(us, 1000, 3) + "ms";
  const std::int64_t hours = us / (3600 * kMicrosPerSecond);
  us %= 3600 * kMicrosPerSecond;
  const std::int64_t minutes = us / (60 * kMicrosPerSecond);
  us %= 60 * kMicrosPerSecond;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  return out + with_fraction(us, kMicrosPerSecond, 6) + "s";
}

std::int64_t ceil_seconds(microseconds d) {
  return (d.count() + kMicrosPerSecond - 1) / kMicrosPerSecond;
}

std::int64_t utc_day(std::chrono::system_clock::time_point t) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return floor_div(seconds, kSecondsPerDay);
}

std::optional<std::int64_t> parse_utc_day(std::string_view s) {
  int year = 0, month = 0, day = 0;
  if (!digits_at(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !digits_at(s, 5, 2, month) ||
      s[7] != '-' || !digits_at(s, 8, 2, day) || month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;
  }
  const std::int64_t days =
      internal::days_from_civil(year, month, day);
  if (s.size() == 10) return days;

  int hour = 0, minute = 0, second = 0;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits_at(s, 11, 2, hour) ||
      s.size() < 19 || s[13] != ':' || !digits_at(s, 14, 2, minute) || s[16] != ':' ||
      !digits_at(s, 17, 2, second) || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int offset_hours = 0, offset_minutes = 0;
    if (!digits_at(s, pos + 1, 2, offset_hours) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits_at(s, pos + 4, 2, offset_minutes)) {
      return std::nullopt;
    }
    offset = (offset_hours * 3600 + offset_minutes * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t seconds = days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset;
  return floor_div(seconds, kSecondsPerDay);
}

}  // namespace pixxel::mock::detail
