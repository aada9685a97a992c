// The GEMM behind the CUDA conv/linear/gram kernels: cuBLAS under nvcc; under emulation the CPU cblas
// on the emulated device memory (the same row-major interface either way).
#pragma once
#include <cstdint>

namespace dpt::cuda {

// Row-major, like cblas_?gemm(CblasRowMajor, ...): for b < batch,
//   C_b[M, N] = alpha op(A_b) op(B_b) + beta C_b,   X_b = X + b * stride_x,
// op(A) is [M, K] (A stored [K, M] when trans_a), op(B) is [K, N] (B stored [N, K] when trans_b);
// lda, ldb, ldc are row strides. Device pointers; ordered on current_stream(). T: float or double.
// FP32 runs in full FP32 (no TF32), so results match the CPU within float32 rounding.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc, int64_t batch = 1, int64_t stride_a = 0, int64_t stride_b = 0,
          int64_t stride_c = 0);

}  // namespace dpt::cuda
