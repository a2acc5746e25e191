// What MockServer accepts as options and settings.
#pragma once

#include <chrono>

#include "mock_options.hpp"

namespace pixxel::mock::detail {

// Each throws std::invalid_argument naming the MockOptions member.
void check_rate(double rate, const char* name);
void check_not_negative(std::chrono::milliseconds value, const char* name);
MockOptions validated(MockOptions options);

}  // namespace pixxel::mock::detail
