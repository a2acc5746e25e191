#ifndef PIXXEL_DECODE_FIELD_RULES_HPP_
#define PIXXEL_DECODE_FIELD_RULES_HPP_

// The leaf rules of decoding: how a member of each type reads a scalar value, and the text
// of the errors when it cannot. decoder.cpp applies them to what the models' tables
// (src/models/<family>_schema.hpp) name. Not public API.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pixxel::internal {

// Raw values (spec, inputs, result, info_logs) may nest at most this deep: deeper ones would
// overflow the stack when copied, since nlohmann copies recursively.
constexpr std::size_t kMaxRawDepth = 256;

inline std::string too_deep_reason() {
  return "nested deeper than " + std::to_string(kMaxRawDepth) + " levels";
}

// What a rule sees of a JSON value: a scalar's value, or only the kind of a container (no
// rule looks inside one). The decoder views a parser's event this way, or a node of a
// caller's nlohmann::json (view_of).
struct ValueView {
  enum class Kind : std::uint8_t {
    null,
    boolean,
    integer,
    unsigned_integer,
    floating,
    string,
    object,
    array,
    binary
  };

  Kind kind = Kind::null;
  bool boolean = false;
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  double floating = 0;
  std::string_view string;
  // Set when the string's storage may be taken instead of copied.
  std::string* movable_string = nullptr;
};

ValueView view_of(const nlohmann::json& v);

// What a field expected, for expected_reason().
inline constexpr const char* kExpectStringOrNumber = "a string or a number";
inline constexpr const char* kExpectArray = "an array";
inline constexpr const char* kExpectObject = "an object";

// The leaf rules. Each stores the value into `out` and returns nullptr, or leaves `out` alone
// and returns what it expected instead. `null` means "not set" and leaves `out` alone.
//
// String fields take a string, or a finite number as its JSON text.
const char* read_string(ValueView& v, std::string& out);
// Integer fields take an integer, a float (truncated toward zero), or a string holding a
// number ("" means not set).
const char* read_int(const ValueView& v, std::int64_t& out);
// Double fields (Task::progress) take a number, or a string holding one with an optional '%'.
const char* read_progress(const ValueView& v, double& out);

// "expected <expected>, got <a short description of got>". Each reason is clipped to a
// short length after every spelling of `secret` (the API key, when decoding an answer) is
// redacted from it.
std::string expected_reason(const char* expected, const ValueView& got,
                            std::string_view secret = {});

// The reason of a DecodeError for a body the JSON parser rejected, from the parser's message.
std::string not_json_reason(std::string_view parser_message, std::string_view secret = {});
// The reason of a DecodeError for an nlohmann exception thrown while decoding.
std::string library_error_reason(std::string_view message, std::string_view secret = {});

// Path text: "tasks[3].progress".
void append_key(std::string& path, std::string_view key);
void append_index(std::string& path, std::size_t index);

}  // namespace pixxel::internal

#endif  // PIXXEL_DECODE_FIELD_RULES_HPP_
