// libFuzzer harness: parse_timestamp, parse_duration, parse_progress and is_terminal_status.
// The body lives in fuzz_targets.hpp, shared with tests/fuzz_regressions_test.cpp.

#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pixxel::fuzz::fuzz_parse_helpers(data, size);
  return 0;
}
