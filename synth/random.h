// Deterministic random draws for the synthetic world: one stream per (seed, person, purpose), built on
// core/rng.h's counter-based generator, so output never depends on the thread that renders a person.
#pragma once
#include <cstdint>

#include "core/rng.h"

namespace dpt::synth {

// Derives an independent stream seed, e.g. stream_seed(stream_seed(seed, person), view).
inline uint64_t stream_seed(uint64_t seed, uint64_t id) { return rng_bits(seed ^ 0x5157ULL, id); }

class Rand {
 public:
  explicit Rand(uint64_t seed) : gen_(seed) {}
  float uniform() { return static_cast<float>(gen_.next_uniform()); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // Normals use a derived seed: rng_normal reads counters 2c and 2c+1, which uniform() also visits.
  float normal() { return static_cast<float>(rng_normal(gen_.seed() ^ 0xA5A5ULL, gen_.advance(1))); }
  int below(int n) { return static_cast<int>(gen_.next_u64() % static_cast<uint64_t>(n)); }
  bool chance(float p) { return uniform() < p; }
  uint64_t bits() { return gen_.next_u64(); }

 private:
  Generator gen_;
};

}  // namespace dpt::synth
