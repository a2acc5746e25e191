// Small helpers that duplicate the SDK's own: days_from_civil and the ASCII lowercasing behind
// iequals (src/), and percent-decoding, which the SDK's shared helpers are to gain. The mock is
// a fake server and must not link the SDK, so it keeps these copies, all in this one file, to
// be swapped for a shared SDK-free helper target once there is one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pixxel::mock::detail {

// Rounds towards negative infinity, unlike `/`.
std::int64_t floor_div(std::int64_t a, std::int64_t b);

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

std::string lowercase(std::string s);

// Like httplib's decoder for paths: "%XX" becomes the byte, anything else (a bad escape,
// '+') stays as it is.
std::string percent_decode(std::string_view s);

}  // namespace pixxel::mock::detail
