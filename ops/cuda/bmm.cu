// CUDA bmm (ops/bmm.h): one strided-batched cuBLAS GEMM (ops/cuda/gemm.cuh; under emulation the CPU
// cblas on emulated device memory), full FP32.
#include "ops/bmm.h"
#include "ops/cuda/gemm.cuh"
#include "ops/cuda/launch.cuh"

namespace dpt::cuda {

// a [B, M, K] / [B, K, M], b [B, K, N] / [B, N, K] -> out [B, M, N].
void bmm_forward(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, Tensor& out) {
  const int64_t Bn = out.size(0), M = out.size(1), N = out.size(2), K = trans_a ? a.size(1) : a.size(2);
  if (out.numel() == 0) return;
  if (K == 0) {
    out.zero_();
    return;
  }
  DPT_DISPATCH_FLOAT(a.dtype(), {
    gemm<scalar_t>(trans_a, trans_b, M, N, K, scalar_t(1), a.data<scalar_t>(), trans_a ? M : K, b.data<scalar_t>(),
                   trans_b ? K : N, scalar_t(0), out.data<scalar_t>(), N, Bn, M * K, K * N, M * N);
  });
}

}  // namespace dpt::cuda
