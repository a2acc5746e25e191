// raw_bytes(): the bytes of a raw-bytes field (`Job::spec`, `Task::inputs`, ...).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pixxel/jobs.hpp"

namespace pixxel {
namespace {

using json = nlohmann::json;

std::optional<std::vector<std::uint8_t>> bytes_from_array(const json::array_t& array) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(array.size());
  for (const json& element : array) {
    if (element.is_number_unsigned()) {
      const auto u = element.get<json::number_unsigned_t>();
      if (u > 255) return std::nullopt;
      bytes.push_back(static_cast<std::uint8_t>(u));
    } else if (element.is_number_integer()) {
      const auto n = element.get<json::number_integer_t>();
      if (n < 0 || n > 255) return std::nullopt;
      bytes.push_back(static_cast<std::uint8_t>(n));
    } else {
      return std::nullopt;
    }
  }
  return bytes;
}

// The 6-bit value of a base64 character in either the standard or the URL-safe alphabet,
// or -1.
int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::optional<std::vector<std::uint8_t>> bytes_from_base64(std::string_view text) {
  std::size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (padding > 2 || (padding > 0 && text.size() % 4 != 0)) return std::nullopt;
  const std::string_view data = text.substr(0, text.size() - padding);
  if (data.size() % 4 == 1) return std::nullopt;

  std::vector<std::uint8_t> bytes;
  bytes.reserve(data.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (const char c : data) {
    const int value = base64_value(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      bytes.push_back(static_cast<std::uint8_t>((bits >> bit_count) & 0xFF));
    }
  }
  return bytes;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> raw_bytes(const nlohmann::json& value) {
  if (const auto* array = value.get_ptr<const json::array_t*>()) return bytes_from_array(*array);
  if (const auto* text = value.get_ptr<const std::string*>()) return bytes_from_base64(*text);
  return std::nullopt;
}

}  // namespace pixxel
