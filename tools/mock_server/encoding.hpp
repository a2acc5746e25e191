// How the mock writes bytes into its answers: JSON text, base64, byte arrays, hex ids.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace pixxel::mock::detail {

// Ordered, so that answers list their fields in the order the API documents them.
using json = nlohmann::ordered_json;

// Never throws: ids come from the request path and may hold bytes that are not UTF-8.
std::string dump(const json& value, int indent = -1);

std::string base64(std::string_view data);

// The form the API uses for raw byte fields (`info_logs`, `inputs`): an array of integers.
json byte_array(std::string_view data);

// Sixteen lowercase hex digits.
std::string hex16(std::uint64_t value);

}  // namespace pixxel::mock::detail
