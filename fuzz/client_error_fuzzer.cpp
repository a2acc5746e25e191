// libFuzzer harness: PixxelClient::create_job against a transport that answers with the input.
// The body lives in fuzz_targets.hpp, shared with tests/fuzz_regressions_test.cpp.

#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pixxel::fuzz::fuzz_client_error(data, size);
  return 0;
}
