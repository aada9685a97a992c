// CPU kernels of the Gram matrix G = F F^T / (C H W) per sample (F = f[n] as [C, HW]): packed GEMMs
// (ops/cpu/packed_matmul.h: the same bits at any thread count); the forward computes the upper triangle's
// values and mirrors them, so G is exactly symmetric.
#include "ops/gram.h"

#include <algorithm>
#include <vector>

#include "ops/cpu/packed_matmul.h"

namespace dpt::cpu {

void gram_forward(const Tensor& f, Tensor& out) {
  const int64_t N = f.size(0), C = f.size(1), HW = f.size(2) * f.size(3);
  DPT_DISPATCH_FLOAT(f.dtype(), {
    const scalar_t* pf = f.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    const scalar_t scale = scalar_t(1.0 / (static_cast<double>(C) * HW));
    for (int64_t n = 0; n < N; ++n) {
      scalar_t* g = po + n * C * C;
      if (HW == 0) {
        std::fill(g, g + C * C, scalar_t(0));
        continue;
      }
      // g [C, C] = F [C, HW] F^T [HW, C], then scaled; the upper triangle is mirrored onto the lower.
      const scalar_t* F = pf + n * C * HW;
      matmul_packed<scalar_t>(C, C, HW, F, HW, 1, F, 1, HW, g, C, false);
      for (int64_t i = 0; i < C; ++i) {
        for (int64_t j = i; j < C; ++j) g[i * C + j] *= scale;
        for (int64_t j = 0; j < i; ++j) g[i * C + j] = g[j * C + i];
      }
    }
  });
}

void gram_backward(const Tensor& f, const Tensor& gout, Tensor& gf) {
  const int64_t N = f.size(0), C = f.size(1), HW = f.size(2) * f.size(3);
  DPT_DISPATCH_FLOAT(f.dtype(), {
    const scalar_t* pf = f.data<scalar_t>();
    const scalar_t* pg = gout.data<scalar_t>();
    scalar_t* px = gf.data<scalar_t>();
    const scalar_t scale = scalar_t(1.0 / (static_cast<double>(C) * HW));
    std::vector<scalar_t> sym(C * C);
    for (int64_t n = 0; n < N; ++n) {
      const scalar_t* g = pg + n * C * C;
      for (int64_t i = 0; i < C; ++i)
        for (int64_t j = 0; j < C; ++j) sym[i * C + j] = scale * (g[i * C + j] + g[j * C + i]);
      if (HW == 0) continue;
      // gf[n] [C, HW] = scale (G + G^T) [C, C] F [C, HW]
      matmul_packed<scalar_t>(C, HW, C, sym.data(), C, 1, pf + n * C * HW, HW, 1, px + n * C * HW, HW, false);
    }
  });
}

}  // namespace dpt::cpu
