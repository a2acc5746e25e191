#ifndef PIXXEL_JSON_DEPTH_HPP_
#define PIXXEL_JSON_DEPTH_HPP_

// Not public API.

#include <cstddef>
#include <string_view>

namespace pixxel::internal {

// The deepest nesting of arrays and objects in a JSON text (strings skipped), counted without
// parsing; `limit + 1` as soon as it exceeds `limit`. Deep values overflow the stack when
// nlohmann copies them, so bodies are checked before they are kept.
std::size_t json_depth(std::string_view text, std::size_t limit);

}  // namespace pixxel::internal

#endif  // PIXXEL_JSON_DEPTH_HPP_
