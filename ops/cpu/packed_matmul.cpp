// matmul_packed (ops/cpu/packed_matmul.h): the packed GEMM driven over fixed column chunks.
#include "ops/cpu/packed_matmul.h"

#include <algorithm>

#include "core/threading.h"
#include "ops/cpu/packed_gemm.h"

namespace dpt::cpu {

template <class T>
void matmul_packed(int64_t M, int64_t N, int64_t K, const T* a, int64_t ars, int64_t acs, const T* b, int64_t brs,
                   int64_t bcs, T* c, int64_t ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {  // an empty sum
    if (!accumulate)
      for (int64_t i = 0; i < M; ++i) std::fill(c + i * ldc, c + i * ldc + N, T(0));
    return;
  }
  AlignedBuffer<T> ap(packed_a_size<T>(M, K));
  pack_a<T>(M, K, a, ars, acs, ap.data());
  // The chunk width is a multiple of the register tile, fixed by the shapes and the CPU only.
  const int64_t nr = gemm_tile<T>().nr, chunk = (128 + nr - 1) / nr * nr;
  parallel_for((N + chunk - 1) / chunk, 1, [&](int64_t t0, int64_t t1) {
    AlignedBuffer<T> bp(packed_b_size<T>(K, chunk));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t j0 = t * chunk, nc = std::min(chunk, N - j0);
      pack_b<T>(K, nc, b + j0 * bcs, brs, bcs, bp.data());
      gemm_packed<T>(M, nc, K, ap.data(), bp.data(), c + j0, ldc, accumulate, nullptr);
    }
  });
}

template void matmul_packed<float>(int64_t, int64_t, int64_t, const float*, int64_t, int64_t, const float*, int64_t,
                                   int64_t, float*, int64_t, bool);
template void matmul_packed<double>(int64_t, int64_t, int64_t, const double*, int64_t, int64_t, const double*,
                                    int64_t, int64_t, double*, int64_t, bool);

}  // namespace dpt::cpu
