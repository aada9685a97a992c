// Dropout's per-element maths (ops/dropout.h), shared by the CPU and CUDA kernels.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/rng_math.h"

namespace dpt {

// x (mask scale), scale = 1 / (1 - p): the mask is scaled first, as docs/sca.md writes x (mask / (1 - p)).
template <class T>
DPT_HD inline T dropout_value(T x, T mask, T scale) {
  return x * (mask * scale);
}

// Element `counter` of a Bernoulli(keep) mask: 1 when the uniform draw is below keep.
template <class T>
DPT_HD inline T dropout_mask_value(uint64_t seed, uint64_t counter, double keep) {
  return rng_uniform(seed, counter) < keep ? T(1) : T(0);
}

}  // namespace dpt
