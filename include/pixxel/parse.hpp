#ifndef PIXXEL_PARSE_HPP_
#define PIXXEL_PARSE_HPP_

/// @file
/// Readers for the untyped strings in the job models. Each returns `std::nullopt` for what it
/// cannot read, and never throws.

#include <chrono>
#include <optional>
#include <string_view>

#include "pixxel/export.hpp"

namespace pixxel {

/// Reads an RFC 3339 timestamp, as the job models carry them.
///
/// Accepts `T`, `t` or a space between date and time, a fraction of 0 to 9 digits, and `Z`,
/// `z` or a `+hh:mm`/`-hh:mm` offset: `2022-11-14 12:55:49.125928+00:00`,
/// `2024-01-02T03:04:05Z`. The empty string and Go's zero time (`0001-01-01T00:00:00Z`) mean
/// "not set" and give `std::nullopt`, as does anything out of range (month 13, hour 24, ...)
/// or outside what `system_clock` can hold (with nanosecond ticks: years 1678 to 2261).
PIXXEL_EXPORT std::optional<std::chrono::system_clock::time_point> parse_timestamp(
    std::string_view text);

/// Reads a duration, as `time_taken` carries it.
///
/// Accepts Go durations (`1h2m3.5s`, `150ms`, `2us`, `1µs`, `3ns`, `0s`, `-1.5h`),
/// `HH:MM:SS[.fff]` (hours may exceed 23), or a bare number of seconds (`12`, `0.25`).
PIXXEL_EXPORT std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

/// Reads a completion percentage: `"45"`, `"45.5"`, `"45%"`, with surrounding spaces allowed.
/// Gives a value in 0..100; values outside that range, or not finite, give `std::nullopt`.
PIXXEL_EXPORT std::optional<double> parse_progress(std::string_view text);

/// Whether a job or task status is final (it will not change again).
///
/// Case-insensitive: completed, succeeded, success, failed, failure, error, cancelled,
/// canceled, aborted, rejected.
PIXXEL_EXPORT bool is_terminal_status(std::string_view status);

}  // namespace pixxel

#endif  // PIXXEL_PARSE_HPP_
