// CPU kernels of linear: out = x w^T + b and its VJPs, as BLAS GEMMs (deterministic for a fixed
// thread count).
#include "ops/linear.h"

#include <algorithm>

#include "ops/cpu/cblas_typed.h"

namespace dpt::cpu {

void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& out) {
  const int64_t N = x.size(0), in = x.size(1), O = w.size(0);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    scalar_t* po = out.data<scalar_t>();
    scalar_t beta = 0;
    if (b.defined()) {  // out = b broadcast, then out += x w^T
      const scalar_t* pb = b.data<scalar_t>();
      for (int64_t n = 0; n < N; ++n) std::copy(pb, pb + O, po + n * O);
      beta = 1;
    }
    if (in == 0) {
      if (!b.defined()) std::fill(po, po + N * O, scalar_t(0));
    } else if (N > 0 && O > 0) {
      // out [N, O] = x [N, in] w^T [in, O]
      blas::gemm(false, true, N, O, in, scalar_t(1), x.data<scalar_t>(), in, w.data<scalar_t>(), in, beta, po, O);
    }
  });
}

void linear_backward(const Tensor& x, const Tensor& w, const Tensor& gout, Tensor& gx, Tensor& gw, Tensor& gb) {
  const int64_t N = x.size(0), in = x.size(1), O = w.size(0);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* pg = gout.data<scalar_t>();
    if (gx.defined()) {  // gx [N, in] = gout [N, O] w [O, in]
      scalar_t* p = gx.data<scalar_t>();
      if (O == 0) std::fill(p, p + N * in, scalar_t(0));
      else if (N > 0 && in > 0) blas::gemm(false, false, N, in, O, scalar_t(1), pg, O, w.data<scalar_t>(), in, scalar_t(0), p, in);
    }
    if (gw.defined()) {  // gw [O, in] = gout^T [O, N] x [N, in]
      scalar_t* p = gw.data<scalar_t>();
      if (N == 0) std::fill(p, p + O * in, scalar_t(0));
      else if (O > 0 && in > 0) blas::gemm(true, false, O, in, N, scalar_t(1), pg, O, x.data<scalar_t>(), in, scalar_t(0), p, in);
    }
    if (gb.defined()) {  // gb [O] = sum over rows of gout, in double, in row order
      scalar_t* p = gb.data<scalar_t>();
      for (int64_t o = 0; o < O; ++o) {
        double acc = 0;
        for (int64_t n = 0; n < N; ++n) acc += pg[n * O + o];
        p[o] = static_cast<scalar_t>(acc);
      }
    }
  });
}

}  // namespace dpt::cpu
