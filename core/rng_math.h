// The counter-based generator's pure functions (Note [RNG] in core/rng.h) as host/device inline code, so
// CUDA kernels draw exactly the numbers the CPU draws (dropout masks made on the device).
#pragma once
#include <cstdint>

#include "core/dispatch.h"

namespace dpt {

// SplitMix64's finaliser.
DPT_HD inline uint64_t rng_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// 64 random bits of (seed, counter).
DPT_HD inline uint64_t rng_bits(uint64_t seed, uint64_t counter) {
  return rng_mix64(rng_mix64(seed ^ 0x9e3779b97f4a7c15ULL) + counter * 0x9e3779b97f4a7c15ULL);
}

// A uniform double in [0, 1) from the top 53 bits.
DPT_HD inline double rng_uniform(uint64_t seed, uint64_t counter) {
  return static_cast<double>(rng_bits(seed, counter) >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace dpt
