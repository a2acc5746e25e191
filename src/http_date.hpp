#ifndef PIXXEL_HTTP_DATE_HPP_
#define PIXXEL_HTTP_DATE_HPP_

// Calendar arithmetic and HTTP dates, independent of TZ and locale. Shared by the library, its
// tests and its tools (through pixxel_util). Not public API.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pixxel::internal {

// Days since 1970-01-01 of a date in the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil, http://howardhinnant.github.io/date_algorithms.html); negative before it.
constexpr std::int64_t days_from_civil(std::int64_t year, std::int64_t month, std::int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// An HTTP-date (IMF-fixdate, RFC 850 or asctime) as seconds since the Unix epoch: seconds,
// since nanosecond time_points overflow after 2262 and a server may send any year up to 9999.
std::optional<std::int64_t> parse_http_date(std::string_view text);

// Retry-After as delta-seconds or an HTTP-date, relative to `now`; a date in the past gives
// zero.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace pixxel::internal

#endif  // PIXXEL_HTTP_DATE_HPP_
