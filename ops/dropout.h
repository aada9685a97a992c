// Dropout (docs/sca.md section 2, the discriminators' residual blocks): y = x (mask / (1 - p)), mask in {0, 1} drawn
// Bernoulli(1 - p). The mask comes from the engine's counter-based RNG (core/rng_math.h), drawn on the
// tensor's device by a kernel, so a seed gives the same mask on every device and thread count; or it is
// given (the deterministic mode of docs/sca.md section 5.4: tests and goldens feed the masks as inputs).
#pragma once
#include <cstdint>

#include "core/rng.h"
#include "core/tensor.h"

namespace dpt {

// Identity when !training or p == 0 (no draw, the generator does not advance); else draws a mask of x's
// shape from `gen` (numel counters) and applies it. 0 <= p < 1.
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen);
// y = x (mask / (1 - p)) with a given mask of x's shape, dtype and device (values 0 or 1, not checked).
// Differentiable in x only.
Tensor dropout_masked(const Tensor& x, const Tensor& mask, double p);
// The mask dropout(x, p, true, gen) uses: element i is 1 when U(seed, counter + i) < 1 - p, else 0.
Tensor dropout_mask(const Shape& shape, double p, Generator& gen, DType dtype = DType::F32,
                    Device device = Device::cpu());

// Kernels: out = x mask scale (x, mask, out contiguous, same shape; also the backward with x = gout);
// mask[i] = 1 if rng_uniform(seed, first + i) < keep else 0 (mask contiguous).
namespace cpu {
void dropout_apply(const Tensor& x, const Tensor& mask, double scale, Tensor& out);
void dropout_fill_mask(uint64_t seed, uint64_t first, double keep, Tensor& mask);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void dropout_apply(const Tensor& x, const Tensor& mask, double scale, Tensor& out);
void dropout_fill_mask(uint64_t seed, uint64_t first, double keep, Tensor& mask);
}  // namespace cuda
#endif

}  // namespace dpt
