// A general strided matrix product over the packed GEMM (Note [packed GEMM]) whose result does not
// depend on the thread count: linear, gram and bmm use it instead of BLAS (OpenBLAS's threaded sgemm
// gives different bits at 1 and 2 threads, which made resumed runs bit-exact only at the same count).
#pragma once
#include <cstdint>

namespace dpt::cpu {

// C[i, j] (row stride ldc) = (accumulate ? C[i, j] : 0) + sum_k A(i, k) B(k, j), i < M, j < N, with
// A(i, k) = a[i ars + k acs] and B(k, j) = b[k brs + j bcs]. A is packed once; tasks own fixed-width
// chunks of columns (independent of the thread count) and each element sums over k in one fixed order.
// Call from outside or inside a parallel region (inside, it runs on the calling thread).
template <class T>
void matmul_packed(int64_t M, int64_t N, int64_t K, const T* a, int64_t ars, int64_t acs, const T* b, int64_t brs,
                   int64_t bcs, T* c, int64_t ldc, bool accumulate);

}  // namespace dpt::cpu
