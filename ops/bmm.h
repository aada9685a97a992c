// Batched matrix product with optional transposes: out[b] = op(a[b]) op(b[b]), op = identity or
// transpose (torch.bmm(a, b), with a.transpose(1, 2) / b.transpose(1, 2) folded in without a copy).
#pragma once
#include "core/tensor.h"

namespace dpt {

// a [B, M, K] ([B, K, M] when trans_a), b [B, K, N] ([B, N, K] when trans_b) -> [B, M, N].
// Differentiable in a and b.
Tensor bmm(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

// Kernels: contiguous a, b as above, out [B, M, N] preallocated (overwritten). CPU: one packed GEMM per
// batch entry (ops/cpu/packed_matmul.h: the same bits at any thread count). CUDA: one cuBLAS strided-batched
// GEMM (ops/cuda/gemm.cuh), full FP32.
namespace cpu {
void bmm_forward(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, Tensor& out);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void bmm_forward(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, Tensor& out);
}  // namespace cuda
#endif

}  // namespace dpt
