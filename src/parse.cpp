#include "pixxel/parse.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <system_error>

#include "http_date.hpp"
#include "text.hpp"

namespace pixxel {
namespace {

using std::chrono::system_clock;

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

using internal::ascii_lower;
using internal::days_from_civil;
using internal::trim;

// A forward-only reader over the text being parsed.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  std::string_view rest() const { return text_.substr(pos_); }

  bool eat(char c) {
    if (at_end() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  // Consumes the next character if it is one of `chars`, and returns it.
  std::optional<char> eat_one_of(std::string_view chars) {
    if (at_end() || chars.find(text_[pos_]) == std::string_view::npos) return std::nullopt;
    return text_[pos_++];
  }

  // Consumes the longest run of ASCII digits, possibly empty.
  std::string_view digits() {
    const std::size_t start = pos_;
    while (!at_end() && is_digit(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // Consumes exactly `count` ASCII digits (count <= 9).
  std::optional<int> fixed_digits(std::size_t count) {
    if (text_.size() - pos_ < count) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[pos_ + i];
      if (!is_digit(c)) return std::nullopt;
      value = value * 10 + (c - '0');
    }
    pos_ += count;
    return value;
  }

  void skip(std::size_t count) { pos_ += count; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// 1 to 9 digits read as a fraction of a second, in nanoseconds.
std::optional<std::int64_t> fraction_nanos(std::string_view digits) {
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  std::int64_t value = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    value = value * 10 + (i < digits.size() ? digits[i] - '0' : 0);
  }
  return value;
}

constexpr bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

constexpr int days_in_month(int year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kGoZeroTimeSeconds = days_from_civil(1, 1, 1) * kSecondsPerDay;

// Durations are accumulated as magnitudes, as Go does, so that the most negative value fits.
constexpr std::uint64_t kMaxMagnitude = std::uint64_t{1} << 63;
constexpr std::uint64_t kNanosPerSecond = 1'000'000'000;

// Reads `[0-9]+` as an unsigned integer of at most kMaxMagnitude.
std::optional<std::uint64_t> to_magnitude(std::string_view digits) {
  std::uint64_t value = 0;
  for (const char c : digits) {
    if (value > kMaxMagnitude / 10) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > kMaxMagnitude) return std::nullopt;
  }
  return value;
}

// The text of a decimal number `[0-9]*(\.[0-9]*)?` that has at least one digit.
struct Decimal {
  std::string_view whole;
  std::string_view fraction;
};

std::optional<Decimal> read_decimal(Reader& in) {
  Decimal decimal;
  decimal.whole = in.digits();
  if (in.eat('.')) decimal.fraction = in.digits();
  if (decimal.whole.empty() && decimal.fraction.empty()) return std::nullopt;
  return decimal;
}

// floor(unit * 0.<digits>), exact for any number of digits: Horner's rule from the last digit,
// where dropping the remainder at each step does not change the final floor.
std::uint64_t scaled_fraction(std::string_view digits, std::uint64_t unit) {
  std::uint64_t scaled = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    scaled = (unit * static_cast<std::uint64_t>(*it - '0') + scaled) / 10;
  }
  return scaled;
}

// decimal * unit, truncated to an integer, if it is at most kMaxMagnitude.
std::optional<std::uint64_t> scale(const Decimal& decimal, std::uint64_t unit) {
  const auto whole = to_magnitude(decimal.whole);
  if (!whole || *whole > kMaxMagnitude / unit) return std::nullopt;
  const std::uint64_t total = *whole * unit + scaled_fraction(decimal.fraction, unit);
  if (total > kMaxMagnitude) return std::nullopt;
  return total;
}

std::optional<std::chrono::nanoseconds> to_nanoseconds(std::uint64_t magnitude, bool negative) {
  using Rep = std::chrono::nanoseconds::rep;
  if (negative) {
    if (magnitude == kMaxMagnitude) {
      return std::chrono::nanoseconds(std::numeric_limits<Rep>::min());
    }
    return std::chrono::nanoseconds(-static_cast<Rep>(magnitude));
  }
  if (magnitude >= kMaxMagnitude) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<Rep>(magnitude));
}

std::optional<std::uint64_t> go_unit(std::string_view name) {
  struct Unit {
    std::string_view name;
    std::uint64_t nanos;
  };
  static constexpr std::array<Unit, 8> kUnits = {{
      {"ns", 1},
      {"us", 1'000},
      {"\xC2\xB5s", 1'000},  // U+00B5 MICRO SIGN
      {"\xCE\xBCs", 1'000},  // U+03BC GREEK SMALL LETTER MU
      {"ms", 1'000'000},
      {"s", kNanosPerSecond},
      {"m", 60 * kNanosPerSecond},
      {"h", 3600 * kNanosPerSecond},
  }};
  for (const Unit& unit : kUnits) {
    if (unit.name == name) return unit.nanos;
  }
  return std::nullopt;
}

// Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-zµμ]+)+, or a lone (signed) "0".
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  Reader in(text);
  const bool negative = in.eat_one_of("+-") == '-';
  if (in.rest() == "0") return std::chrono::nanoseconds(0);
  if (in.at_end()) return std::nullopt;
  std::uint64_t total = 0;
  while (!in.at_end()) {
    const auto decimal = read_decimal(in);
    if (!decimal) return std::nullopt;
    // As in Go, a unit runs until the next digit or '.', so "1h-2m" has the unit "h-".
    const std::string_view rest = in.rest();
    const std::size_t unit_length = std::min(rest.find_first_of("0123456789."), rest.size());
    const auto unit = go_unit(rest.substr(0, unit_length));
    if (!unit) return std::nullopt;
    in.skip(unit_length);
    const auto value = scale(*decimal, *unit);
    if (!value) return std::nullopt;
    if (*value > kMaxMagnitude - total) return std::nullopt;
    total += *value;
  }
  return to_nanoseconds(total, negative);
}

// H+:MM:SS with an optional fraction of 1 to 9 digits.
std::optional<std::chrono::nanoseconds> parse_clock_duration(std::string_view text) {
  Reader in(text);
  const std::string_view hour_digits = in.digits();
  if (hour_digits.empty() || !in.eat(':')) return std::nullopt;
  const auto minutes = in.fixed_digits(2);
  if (!minutes || *minutes > 59 || !in.eat(':')) return std::nullopt;
  const auto seconds = in.fixed_digits(2);
  if (!seconds || *seconds > 59) return std::nullopt;
  std::int64_t nanos = 0;
  if (in.eat('.')) {
    const auto fraction = fraction_nanos(in.digits());
    if (!fraction) return std::nullopt;
    nanos = *fraction;
  }
  if (!in.at_end()) return std::nullopt;

  constexpr std::uint64_t kNanosPerHour = 3600 * kNanosPerSecond;
  const auto hours = to_magnitude(hour_digits);
  if (!hours || *hours > kMaxMagnitude / kNanosPerHour) return std::nullopt;
  const std::uint64_t total =
      *hours * kNanosPerHour +
      static_cast<std::uint64_t>(*minutes * 60 + *seconds) * kNanosPerSecond +
      static_cast<std::uint64_t>(nanos);
  return to_nanoseconds(total, false);
}

// A bare, unsigned number of seconds: 12, 0.25, .5, 5.
std::optional<std::chrono::nanoseconds> parse_seconds(std::string_view text) {
  Reader in(text);
  const auto decimal = read_decimal(in);
  if (!decimal || !in.at_end()) return std::nullopt;
  const auto total = scale(*decimal, kNanosPerSecond);
  if (!total) return std::nullopt;
  return to_nanoseconds(*total, false);
}

}  // namespace

std::optional<system_clock::time_point> parse_timestamp(std::string_view text) {
  Reader in(text);
  const auto year = in.fixed_digits(4);
  if (!year || !in.eat('-')) return std::nullopt;
  const auto month = in.fixed_digits(2);
  if (!month || !in.eat('-')) return std::nullopt;
  const auto day = in.fixed_digits(2);
  if (!day || !in.eat_one_of("Tt ")) return std::nullopt;
  const auto hour = in.fixed_digits(2);
  if (!hour || !in.eat(':')) return std::nullopt;
  const auto minute = in.fixed_digits(2);
  if (!minute || !in.eat(':')) return std::nullopt;
  const auto second = in.fixed_digits(2);
  if (!second) return std::nullopt;
  std::int64_t nanos = 0;
  if (in.eat('.')) {
    const auto fraction = fraction_nanos(in.digits());
    if (!fraction) return std::nullopt;
    nanos = *fraction;
  }
  int offset_sign = 0;
  int offset_hour = 0;
  int offset_minute = 0;
  if (!in.eat_one_of("Zz")) {
    const auto sign = in.eat_one_of("+-");
    if (!sign) return std::nullopt;
    offset_sign = *sign == '-' ? -1 : 1;
    const auto oh = in.fixed_digits(2);
    if (!oh || !in.eat(':')) return std::nullopt;
    const auto om = in.fixed_digits(2);
    if (!om) return std::nullopt;
    offset_hour = *oh;
    offset_minute = *om;
  }
  if (!in.at_end()) return std::nullopt;

  // A leap second (:60) is accepted as RFC 3339 allows, at any minute since local offsets move
  // it, and counted like any other second: 23:59:60 is the same instant as 00:00:00 the next
  // day. Unix time has no leap seconds, and this keeps fractions of :60 ordered.
  if (*year < 1 || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) ||
      *hour > 23 || *minute > 59 || *second > 60 || offset_hour > 23 || offset_minute > 59) {
    return std::nullopt;
  }

  const std::int64_t seconds = days_from_civil(*year, *month, *day) * kSecondsPerDay +
                               *hour * 3600 + *minute * 60 + *second -
                               offset_sign * (offset_hour * 3600 + offset_minute * 60);
  if (seconds == kGoZeroTimeSeconds && nanos == 0) return std::nullopt;

  // system_clock counts nanoseconds in 64 bits on common platforms, so it spans only
  // 1677-09-21 to 2262-04-11; instants outside give nullopt rather than wrapping.
  using Duration = system_clock::duration;
  using std::chrono::duration_cast;
  const auto min_seconds = duration_cast<std::chrono::seconds>(Duration::min()).count();
  const auto max_seconds = duration_cast<std::chrono::seconds>(Duration::max()).count();
  if (seconds < min_seconds || seconds >= max_seconds) return std::nullopt;
  return system_clock::time_point(duration_cast<Duration>(std::chrono::seconds(seconds)) +
                                  duration_cast<Duration>(std::chrono::nanoseconds(nanos)));
}

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  text = trim(text);
  if (text.find(':') != std::string_view::npos) return parse_clock_duration(text);
  if (!text.empty() && text.find_first_not_of("0123456789.") == std::string_view::npos) {
    return parse_seconds(text);
  }
  return parse_go_duration(text);
}

std::optional<double> parse_progress(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.back() == '%') text = trim(text.substr(0, text.size() - 1));
  // Only [0-9]*(\.[0-9]*)? with a digit: from_chars alone would also take "-", "inf" and "nan".
  // A sign is refused too: "+45" is not how a percentage is written, and "-0" would be -0.0.
  Reader in(text);
  if (!read_decimal(in) || !in.at_end()) return std::nullopt;

  double value = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::fixed);
  if (ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0 || value > 100) {
    return std::nullopt;
  }
  return value;
}

bool is_terminal_status(std::string_view status) {
  static constexpr std::array<std::string_view, 10> kTerminal = {
      "completed", "succeeded", "success",  "failed",  "failure",
      "error",     "cancelled", "canceled", "aborted", "rejected"};
  status = trim(status);
  for (const std::string_view terminal : kTerminal) {
    if (terminal.size() != status.size()) continue;
    bool equal = true;
    for (std::size_t i = 0; i < status.size() && equal; ++i) {
      equal = ascii_lower(status[i]) == terminal[i];
    }
    if (equal) return true;
  }
  return false;
}

}  // namespace pixxel
