// The atomic form of bilinear_scatter (ops/grid_sample_math.h) for the CUDA scatter kernels of
// grid_sample's backward and uv_splat: same corners and weights, atomicAdd instead of +=.
// Note [splat determinism] (ops/uv_splat.h): atomics make the sums' order, hence the last bits, vary
// from run to run; deterministic() (ops/cuda/runtime.h) selects the ordered per-plane kernels instead.
#pragma once
#include "ops/cuda/launch.cuh"
#include "ops/grid_sample_math.h"

namespace dpt::cuda {

template <class T>
__device__ inline void bilinear_scatter_atomic(T* plane, const BilinearPoint<T>& b, int64_t H, int64_t W, T value) {
  if (!b.any) return;
  for (int k = 0; k < 4; ++k) {
    int64_t o;
    if (bilinear_corner(b, k, H, W, &o)) atomicAdd(plane + o, bilinear_weight(b, k) * value);
  }
}

}  // namespace dpt::cuda
