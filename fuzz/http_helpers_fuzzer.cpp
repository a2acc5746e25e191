// libFuzzer harness: parse_url, resolve_location, parse_retry_after, percent_encode and redact.
// The body lives in fuzz_targets.hpp, shared with tests/fuzz_regressions_test.cpp.

#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pixxel::fuzz::fuzz_http_helpers(data, size);
  return 0;
}
