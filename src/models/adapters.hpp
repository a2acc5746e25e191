#ifndef PIXXEL_MODELS_ADAPTERS_HPP_
#define PIXXEL_MODELS_ADAPTERS_HPP_

// The public adapters of a model, all derived from its table (decode/schema.hpp):
// operator==, to_json and from_json. A family's source file defines them for each of its
// models with one line, inside namespace pixxel:
//
//   PIXXEL_MODEL_ADAPTERS(Job)
//
// from_json is the decoder of answer bodies fed from a caller's value (decode/decoder.cpp):
// the same tables, rules, errors and paths, except that a caller's value may leave the
// model's identity out. Not public API.

#include <nlohmann/json.hpp>

#include "decode/decode.hpp"
#include "decode/schema.hpp"

// NOLINTNEXTLINE(cppcoreguidelines-macro-usage): three definitions per model, or 150 lines.
#define PIXXEL_MODEL_ADAPTERS(T)                                                   \
  bool operator==(const T& a, const T& b) { return internal::equal_fields(a, b); } \
  void to_json(nlohmann::json& j, const T& v) { internal::write_fields(j, v); }    \
  void from_json(const nlohmann::json& j, T& v) { v = internal::decode_value<T>(j); }

#endif  // PIXXEL_MODELS_ADAPTERS_HPP_
