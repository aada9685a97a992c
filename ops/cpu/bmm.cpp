// CPU bmm (ops/bmm.h): one packed GEMM per batch entry (ops/cpu/packed_matmul.h: the same bits at any
// thread count).
#include <algorithm>

#include "ops/bmm.h"
#include "ops/cpu/packed_matmul.h"

namespace dpt::cpu {

// a [B, M, K] / [B, K, M], b [B, K, N] / [B, N, K] -> out [B, M, N].
void bmm_forward(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, Tensor& out) {
  const int64_t Bn = out.size(0), M = out.size(1), N = out.size(2), K = trans_a ? a.size(1) : a.size(2);
  DPT_DISPATCH_FLOAT(a.dtype(), {
    const scalar_t* pa = a.data<scalar_t>();
    const scalar_t* pb = b.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    if (K == 0 || M == 0 || N == 0) {
      std::fill(po, po + out.numel(), scalar_t(0));
      return;
    }
    for (int64_t i = 0; i < Bn; ++i)
      matmul_packed<scalar_t>(M, N, K, pa + i * M * K, trans_a ? 1 : K, trans_a ? M : 1, pb + i * K * N,
                              trans_b ? 1 : N, trans_b ? K : 1, po + i * M * N, N, false);
  });
}

}  // namespace dpt::cpu
