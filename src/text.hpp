#ifndef PIXXEL_TEXT_HPP_
#define PIXXEL_TEXT_HPP_

// ASCII text helpers: what HTTP and the API's JSON compare and trim, independent of the C
// locale. Shared by the library, its tests and its tools (through pixxel_util). Not public API.

#include <string>
#include <string_view>

namespace pixxel::internal {

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// ' ', '\t', '\n', '\r', '\f' and '\v'.
constexpr bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// ASCII case-insensitive equality, as header names compare.
bool iequals(std::string_view a, std::string_view b);

std::string to_lower(std::string_view text);

// `text` without its leading and trailing ASCII white space.
std::string_view trim(std::string_view text);

// True if `text` has a byte below 0x20 or 0x7F.
bool has_control_chars(std::string_view text);

// The value of a hexadecimal digit of either case, or -1.
int hex_digit(char c);

// Reads `text`, all of it ASCII digits, as a non-negative int; false if it is anything else or
// does not fit.
bool read_digits(std::string_view text, int& value);

}  // namespace pixxel::internal

#endif  // PIXXEL_TEXT_HPP_
