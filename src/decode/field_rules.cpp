#include "decode/field_rules.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "redact.hpp"

namespace pixxel::internal {
namespace {

using json = nlohmann::json;
using Kind = ValueView::Kind;

constexpr const char* kExpectInteger = "an integer";
constexpr const char* kExpectInt64 = "an integer in the int64 range";
constexpr const char* kExpectNumber = "a number";
constexpr const char* kExpectPercentage = "a number or a percentage";
constexpr const char* kExpectDouble = "a number in the double range";

constexpr std::size_t kMaxQuoted = 40;
constexpr std::size_t kMaxParseMessage = 300;

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view clip_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// Server text goes into what() quoted and escaped, and short: a reason never carries a
// whole value, however large. The secret goes before the clip, which could cut it in two
// and leave a piece that no longer matches.
std::string quote(std::string_view s, std::string_view secret) {
  const std::string redacted = redact(std::string(s), secret);
  const std::string_view kept = clip_utf8(redacted, kMaxQuoted);
  std::string text(kept);
  if (kept.size() < redacted.size()) text += "...";
  return json(std::move(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

// A number's JSON text exactly as nlohmann writes it, which the DOM decoder has always kept.
template <class N>
std::string number_text(N n) {
  return json(n).dump();
}

std::string describe(const ValueView& v, std::string_view secret) {
  switch (v.kind) {
    case Kind::null:
      return "null";
    case Kind::boolean:
      return v.boolean ? "the boolean true" : "the boolean false";
    case Kind::string:
      return "the string " + quote(v.string, secret);
    case Kind::integer:
      return "the number " + number_text(v.integer);
    case Kind::unsigned_integer:
      return "the number " + number_text(v.unsigned_integer);
    case Kind::floating:
      if (!std::isfinite(v.floating)) return "a non-finite number";
      return "the number " + number_text(v.floating);
    case Kind::object:
      return "an object";
    case Kind::array:
      return "an array";
    case Kind::binary:
      return "binary data";
  }
  return "a discarded value";
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Checks that `s` is a decimal number: an optional sign, digits with an optional fraction
// ("4", "4.5", ".5", "4."), an optional exponent. Hex, "inf" and "nan" are not numbers here.
// Drops a leading '+' from `s`, which std::from_chars does not take.
bool scan_number(std::string_view& s, bool& integral) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const auto skip_digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i - start;
  };
  std::size_t digits = skip_digits();
  integral = true;
  if (i < s.size() && s[i] == '.') {
    integral = false;
    ++i;
    digits += skip_digits();
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    integral = false;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (skip_digits() == 0) return false;
  }
  if (i != s.size()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  return true;
}

std::optional<double> to_double(std::string_view number) {
  double d = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), d);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  return d;
}

std::optional<std::int64_t> truncate_to_int64(double d) {
  // Both bounds are exact doubles; every finite double in [-2^63, 2^63) truncates into range.
  if (!(d >= -0x1p63 && d < 0x1p63)) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

// `number` has passed scan_number; nullopt means int64 cannot hold it.
std::optional<std::int64_t> to_int64(std::string_view number, bool integral) {
  if (!integral) {
    const std::optional<double> d = to_double(number);
    if (!d) return std::nullopt;
    return truncate_to_int64(*d);
  }
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  return n;
}

}  // namespace

ValueView view_of(const json& v) {
  ValueView view;
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      break;
    case json::value_t::boolean:
      view.kind = Kind::boolean;
      view.boolean = *v.get_ptr<const json::boolean_t*>();
      break;
    case json::value_t::number_integer:
      view.kind = Kind::integer;
      view.integer = *v.get_ptr<const json::number_integer_t*>();
      break;
    case json::value_t::number_unsigned:
      view.kind = Kind::unsigned_integer;
      view.unsigned_integer = *v.get_ptr<const json::number_unsigned_t*>();
      break;
    case json::value_t::number_float:
      view.kind = Kind::floating;
      view.floating = *v.get_ptr<const json::number_float_t*>();
      break;
    case json::value_t::string:
      view.kind = Kind::string;
      view.string = *v.get_ptr<const json::string_t*>();
      break;
    case json::value_t::object:
      view.kind = Kind::object;
      break;
    case json::value_t::array:
      view.kind = Kind::array;
      break;
    case json::value_t::binary:
      view.kind = Kind::binary;
      break;
  }
  return view;
}

const char* read_string(ValueView& v, std::string& out) {
  switch (v.kind) {
    case Kind::null:
      return nullptr;
    case Kind::string:
      if (v.movable_string != nullptr) {
        out = std::move(*v.movable_string);
      } else {
        // A fresh string gets an exact-size buffer; assigning into `out` could round it up.
        out = std::string(v.string);
      }
      return nullptr;
    case Kind::integer:
      out = number_text(v.integer);
      return nullptr;
    case Kind::unsigned_integer:
      out = number_text(v.unsigned_integer);
      return nullptr;
    case Kind::floating:
      if (!std::isfinite(v.floating)) break;
      out = number_text(v.floating);
      return nullptr;
    default:
      break;
  }
  return kExpectStringOrNumber;
}

const char* read_int(const ValueView& v, std::int64_t& out) {
  switch (v.kind) {
    case Kind::null:
      return nullptr;
    case Kind::integer:
      out = v.integer;
      return nullptr;
    case Kind::unsigned_integer:
      if (v.unsigned_integer >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return kExpectInt64;
      }
      out = static_cast<std::int64_t>(v.unsigned_integer);
      return nullptr;
    case Kind::floating: {
      const std::optional<std::int64_t> n = truncate_to_int64(v.floating);
      if (!n) return kExpectInt64;
      out = *n;
      return nullptr;
    }
    case Kind::string: {
      if (v.string.empty()) return nullptr;
      std::string_view number = trim_spaces(v.string);
      bool integral = false;
      if (!scan_number(number, integral)) return kExpectInteger;
      const std::optional<std::int64_t> n = to_int64(number, integral);
      if (!n) return kExpectInt64;
      out = *n;
      return nullptr;
    }
    default:
      return kExpectInteger;
  }
}

const char* read_progress(const ValueView& v, double& out) {
  switch (v.kind) {
    case Kind::null:
      return nullptr;
    case Kind::integer:
      out = static_cast<double>(v.integer);
      return nullptr;
    case Kind::unsigned_integer:
      out = static_cast<double>(v.unsigned_integer);
      return nullptr;
    case Kind::floating:
      out = v.floating;
      return nullptr;
    case Kind::string: {
      if (v.string.empty()) return nullptr;
      std::string_view number = trim_spaces(v.string);
      if (!number.empty() && number.back() == '%') {
        number = trim_spaces(number.substr(0, number.size() - 1));
      }
      bool integral = false;
      if (!scan_number(number, integral)) return kExpectPercentage;
      const std::optional<double> d = to_double(number);
      if (!d) return kExpectDouble;
      out = *d;
      return nullptr;
    }
    default:
      return kExpectNumber;
  }
}

std::string expected_reason(const char* expected, const ValueView& got, std::string_view secret) {
  return std::string("expected ") + expected + ", got " + describe(got, secret);
}

std::string not_json_reason(std::string_view parser_message, std::string_view secret) {
  return "not valid JSON: " +
         std::string(clip_utf8(redact(std::string(parser_message), secret), kMaxParseMessage));
}

std::string library_error_reason(std::string_view message, std::string_view secret) {
  return std::string(clip_utf8(redact(std::string(message), secret), kMaxParseMessage));
}

void append_key(std::string& path, std::string_view key) {
  if (!path.empty()) path += '.';
  path += key;
}

void append_index(std::string& path, std::size_t index) {
  path += '[';
  path += std::to_string(index);
  path += ']';
}

}  // namespace pixxel::internal
