// Per-channel helpers of the CUDA conv/linear kernels: broadcast a bias over [N, K, HW] before a GEMM
// with beta = 1, and sum a gradient over N and HW per channel (the bias gradient).
#pragma once
#include "core/tensor.h"
#include "ops/cuda/launch.cuh"
#include "ops/reduce.h"

namespace dpt::cuda {

// out [N, K, HW] = bias [K] broadcast.
template <class T>
__global__ void bias_fill_kernel(T* __restrict__ out, const T* __restrict__ bias, int64_t n, int64_t K, int64_t HW) {
  DPT_KERNEL_LOOP(i, n) out[i] = bias[(i / HW) % K];
}

template <class T>
inline void bias_fill(T* out, const T* bias, int64_t N, int64_t K, int64_t HW) {
  const int64_t n = N * K * HW;
  launch("bias_fill", bias_fill_kernel<T>, blocks_for(n), kThreads, 0, current_stream(), out, bias, n, K, HW);
}

// gb [K] = sum of g [N, K, HW] over N and HW (sum_to's deterministic double-accumulating kernels).
inline void channel_sum(const Tensor& g, int64_t N, int64_t K, int64_t HW, Tensor& gb) {
  Tensor g3 = g.detach().view({N, K, HW});
  Tensor gb3 = gb.detach().view({1, K, 1});
  sum_to_forward(g3, gb3);
}

}  // namespace dpt::cuda
