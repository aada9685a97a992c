// Deterministic, seedable random numbers (Note [RNG]): element i of a draw is a pure function of
// (seed, stream offset + i), so results do not depend on the thread count or on the device.
#pragma once
#include <cstdint>

#include "core/rng_math.h"
#include "core/tensor.h"

namespace dpt {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) { seed_ = seed; offset_ = offset; }
  // Reserves n counters and returns the first; callers derive values from (seed, first + i).
  uint64_t advance(uint64_t n) { uint64_t o = offset_; offset_ += n; return o; }
  uint64_t next_u64();  // one 64-bit value (uses one counter)
  double next_uniform();  // [0, 1)

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// Pure functions of (seed, counter): 64 random bits and a uniform double in [0, 1) (rng_bits, rng_uniform:
// host/device inline code in core/rng_math.h), a standard normal.
double rng_normal(uint64_t seed, uint64_t counter);

// In place, any dtype, CPU (or copied to the tensor's device). No autograd.
void uniform_(Tensor& t, double lo, double hi, Generator& gen);
void normal_(Tensor& t, double mean, double stddev, Generator& gen);
// PyTorch's default init for conv / linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
void default_init_(Tensor& t, int64_t fan_in, Generator& gen);

}  // namespace dpt
