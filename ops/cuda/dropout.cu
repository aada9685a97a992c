// CUDA dropout kernels (ops/dropout.h): out = x (mask scale) and the mask draw (the CPU's numbers:
// core/rng_math.h), grid-stride, 256 threads.
#include "ops/cuda/launch.cuh"
#include "ops/dropout.h"
#include "ops/dropout_math.h"

namespace dpt::cuda {
namespace {

template <class T>
__global__ void dropout_kernel(const T* __restrict__ x, const T* __restrict__ mask, T* __restrict__ out, int64_t n,
                               T scale) {
  DPT_KERNEL_LOOP(i, n) out[i] = dropout_value(x[i], mask[i], scale);
}

template <class T>
__global__ void dropout_mask_kernel(T* __restrict__ mask, int64_t n, uint64_t seed, uint64_t first, double keep) {
  DPT_KERNEL_LOOP(i, n) mask[i] = dropout_mask_value<T>(seed, first + static_cast<uint64_t>(i), keep);
}

}  // namespace

// x, mask, out: same shape, contiguous.
void dropout_apply(const Tensor& x, const Tensor& mask, double scale, Tensor& out) {
  const int64_t n = x.numel();
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("dropout", dropout_kernel<scalar_t>, blocks_for(n), kThreads, 0, current_stream(), x.data<scalar_t>(),
           mask.data<scalar_t>(), out.data<scalar_t>(), n, static_cast<scalar_t>(scale));
  });
}

void dropout_fill_mask(uint64_t seed, uint64_t first, double keep, Tensor& mask) {
  const int64_t n = mask.numel();
  DPT_DISPATCH_FLOAT(mask.dtype(), {
    launch("dropout_mask", dropout_mask_kernel<scalar_t>, blocks_for(n), kThreads, 0, current_stream(),
           mask.data<scalar_t>(), n, seed, first, keep);
  });
}

}  // namespace dpt::cuda
