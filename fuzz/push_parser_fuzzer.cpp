// libFuzzer harness: the push parser against nlohmann's sax_parse, on arbitrary bytes cut
// anywhere. The body lives in fuzz_targets.hpp, shared with tests/fuzz_regressions_test.cpp.

#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pixxel::fuzz::fuzz_push_parser(data, size);
  return 0;
}
