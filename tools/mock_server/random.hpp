// The mock's randomness: ids and injected faults, both reproducible from a seed.
#pragma once

#include <cstdint>
#include <random>

namespace pixxel::mock::detail {

// A bijection on 64-bit values, so distinct counters give distinct ids.
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Uniform in [0, 1), from the top 53 bits of one draw.
inline double unit_interval(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

}  // namespace pixxel::mock::detail
