// The CUDA backend's GEMM (ops/cuda/gemm.cuh): cuBLAS (column-major, so C^T = op(B)^T op(A)^T is what
// it computes for our row-major operands), or cblas on the emulator's device memory.
#include <climits>
#include <mutex>

#include "core/error.h"
#include "ops/cuda/gemm.cuh"
#include "ops/cuda/launch.cuh"

#ifdef DPT_CUDA_EMU
#include <cblas.h>
#else
#include <cublas_v2.h>
#endif

namespace dpt::cuda {

namespace {
// C_b[M, N] *= beta (0: set to 0, whatever C held) for the K = 0 case, where BLAS libraries differ.
template <class T>
__global__ void scale_matrix_kernel(T* c, int64_t M, int64_t N, int64_t ldc, int64_t batch, int64_t stride_c, T beta) {
  DPT_KERNEL_LOOP(i, batch * M * N) {
    const int64_t j = i % N, r = (i / N) % M, b = i / (N * M);
    T* p = c + b * stride_c + r * ldc + j;
    *p = beta == T(0) ? T(0) : *p * beta;
  }
}
}  // namespace

#ifdef DPT_CUDA_EMU
namespace {
void gemm_cpu(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha, const float* A, int lda,
              const float* B, int ldb, float beta, float* C, int ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
void gemm_cpu(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, double alpha, const double* A, int lda,
              const double* B, int ldb, double beta, double* C, int ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
}  // namespace
#else
namespace {
cublasHandle_t handle() {
  static cublasHandle_t h = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    current_stream();  // selects the device first
    cublasStatus_t st = cublasCreate(&h);
    DPT_CHECK(st == CUBLAS_STATUS_SUCCESS, "cuda: cublasCreate failed: " << cublasGetStatusString(st));
    cublasSetStream(h, current_stream());
    cublasSetMathMode(h, CUBLAS_DEFAULT_MATH);  // no TF32: parity with the CPU within float32 rounding
  });
  return h;
}
cublasStatus_t gemm_batched(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const float* alpha,
                            const float* A, int lda, long long sa, const float* B, int ldb, long long sb,
                            const float* beta, float* C, int ldc, long long sc, int batch) {
  return cublasSgemmStridedBatched(handle(), ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
}
cublasStatus_t gemm_batched(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const double* alpha,
                            const double* A, int lda, long long sa, const double* B, int ldb, long long sb,
                            const double* beta, double* C, int ldc, long long sc, int batch) {
  return cublasDgemmStridedBatched(handle(), ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
}
}  // namespace
#endif

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc, int64_t batch, int64_t stride_a, int64_t stride_b, int64_t stride_c) {
  if (M == 0 || N == 0 || batch == 0) return;
  if (K == 0) {
    if (beta != T(1))
      launch("gemm_scale", scale_matrix_kernel<T>, blocks_for(batch * M * N), kThreads, 0, current_stream(), C, M, N,
             ldc, batch, stride_c, beta);
    return;
  }
  count_library_call();
  for (int64_t v : {M, N, K, lda, ldb, ldc, batch})
    DPT_CHECK(v >= 0 && v <= INT_MAX, "cuda gemm: size " << v << " does not fit the BLAS interface");
#ifdef DPT_CUDA_EMU
  check_pointer_arg("gemm", 0, A);
  check_pointer_arg("gemm", 1, B);
  check_pointer_arg("gemm", 2, C);
  emu::HostAccess access;
  const CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans, tb = trans_b ? CblasTrans : CblasNoTrans;
  for (int64_t b = 0; b < batch; ++b)
    gemm_cpu(ta, tb, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), alpha, A + b * stride_a,
             static_cast<int>(lda), B + b * stride_b, static_cast<int>(ldb), beta, C + b * stride_c, static_cast<int>(ldc));
#else
  // Column-major view: C^T [N, M] = op(B)^T [N, K] op(A)^T [K, M].
  cublasStatus_t st =
      gemm_batched(trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, static_cast<int>(N),
                   static_cast<int>(M), static_cast<int>(K), &alpha, B, static_cast<int>(ldb), stride_b, A,
                   static_cast<int>(lda), stride_a, &beta, C, static_cast<int>(ldc), stride_c, static_cast<int>(batch));
  DPT_CHECK(st == CUBLAS_STATUS_SUCCESS, "cuda gemm: cuBLAS failed: " << cublasGetStatusString(st) << " (M " << M
                                                                       << ", N " << N << ", K " << K << ", batch "
                                                                       << batch << ")");
#endif
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                          float, float*, int64_t, int64_t, int64_t, int64_t, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t, const double*,
                           int64_t, double, double*, int64_t, int64_t, int64_t, int64_t, int64_t);

}  // namespace dpt::cuda
