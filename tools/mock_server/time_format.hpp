// Times as the Pixxel API writes and reads them.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace pixxel::mock::detail {

std::tm utc_calendar(std::time_t t);

// The form other parts of the Pixxel API show: `2022-11-14 12:55:49.125928+00:00`.
std::string format_timestamp(std::chrono::system_clock::time_point t);

// Go's time.Duration.String(), at microsecond precision: "1.5s", "300ms", "1m2.25s".
std::string go_duration(std::chrono::microseconds d);

std::int64_t ceil_seconds(std::chrono::microseconds d);

// The UTC day of `t`, as days since the epoch.
std::int64_t utc_day(std::chrono::system_clock::time_point t);

// `created_on` filter: "YYYY-MM-DD", or a full ISO 8601 timestamp whose UTC day is meant
// (no zone: UTC). Returns the day as days since the epoch.
std::optional<std::int64_t> parse_utc_day(std::string_view s);

}  // namespace pixxel::mock::detail
