// Type-overloaded row-major cblas calls (sgemm/dgemm, ssyrk/dsyrk) for kernels templated on scalar_t.
// Call from the main thread only: OpenBLAS threads itself (core/threading.h sets its thread count).
#pragma once
#include <cblas.h>

#include <cstdint>

namespace dpt::cpu::blas {

// C[M,N] = alpha op(A) op(B) + beta C, row-major.
inline void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
              B, ldb, beta, C, ldc);
}
inline void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
                 const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
              B, ldb, beta, C, ldc);
}

// Upper triangle of C[N,N] = alpha A A^T + beta C, A [N, K] row-major.
inline void syrk_upper(int64_t N, int64_t K, float alpha, const float* A, int64_t lda, float beta, float* C,
                       int64_t ldc) {
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, N, K, alpha, A, lda, beta, C, ldc);
}
inline void syrk_upper(int64_t N, int64_t K, double alpha, const double* A, int64_t lda, double beta, double* C,
                       int64_t ldc) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, N, K, alpha, A, lda, beta, C, ldc);
}

}  // namespace dpt::cpu::blas
