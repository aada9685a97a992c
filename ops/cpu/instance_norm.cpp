// CPU instance norm: one plane per task, statistics from ops/instance_norm_math.h.
#include "core/threading.h"
#include "ops/instance_norm.h"
#include "ops/instance_norm_math.h"

namespace dpt::cpu {

void instance_norm_forward(const Tensor& x, Tensor& out, Tensor& rstd, double eps) {
  const int64_t P = x.size(0) * x.size(1), L = P ? x.numel() / P : 0;
  DPT_CHECK(L > 0, "instance_norm: empty planes in " << x.shape_str());
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    scalar_t* pr = rstd.data<scalar_t>();
    parallel_for(P, std::max<int64_t>(1, 16384 / L), [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        const scalar_t* plane = px + p * L;
        double s1, s2, mean, r;
        in_partial_sums(plane, L, 0, 1, &s1, &s2);
        in_stats(s1, s2, L, eps, &mean, &r);
        const double shift = plane[0];
        for (int64_t i = 0; i < L; ++i)
          po[p * L + i] = static_cast<scalar_t>(((static_cast<double>(plane[i]) - shift) - mean) * r);
        pr[p] = static_cast<scalar_t>(r);
      }
    });
  });
}

void instance_norm_backward(const Tensor& out, const Tensor& rstd, const Tensor& gout, Tensor& gx) {
  const int64_t P = rstd.numel(), L = P ? out.numel() / P : 0;
  DPT_DISPATCH_FLOAT(out.dtype(), {
    const scalar_t* py = out.data<scalar_t>();
    const scalar_t* pg = gout.data<scalar_t>();
    const scalar_t* pr = rstd.data<scalar_t>();
    scalar_t* pgx = gx.data<scalar_t>();
    parallel_for(P, std::max<int64_t>(1, 16384 / L), [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        const scalar_t* y = py + p * L;
        const scalar_t* g = pg + p * L;
        double sg = 0, sgy = 0;
        for (int64_t i = 0; i < L; ++i) {
          sg += g[i];
          sgy += static_cast<double>(g[i]) * y[i];
        }
        const double mg = sg / L, mgy = sgy / L, r = pr[p];
        for (int64_t i = 0; i < L; ++i)
          pgx[p * L + i] = static_cast<scalar_t>(r * (static_cast<double>(g[i]) - mg - static_cast<double>(y[i]) * mgy));
      }
    });
  });
}

}  // namespace dpt::cpu
