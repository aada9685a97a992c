// CPU kernels of linear: out = x w^T + b and its VJPs, as packed GEMMs (ops/cpu/packed_matmul.h: the
// same bits at any thread count).
#include "ops/linear.h"

#include <algorithm>

#include "ops/cpu/packed_matmul.h"

namespace dpt::cpu {

void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& out) {
  const int64_t N = x.size(0), in = x.size(1), O = w.size(0);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    scalar_t* po = out.data<scalar_t>();
    bool accumulate = false;
    if (b.defined()) {  // out = b broadcast, then out += x w^T
      const scalar_t* pb = b.data<scalar_t>();
      for (int64_t n = 0; n < N; ++n) std::copy(pb, pb + O, po + n * O);
      accumulate = true;
    }
    if (in == 0) {
      if (!b.defined()) std::fill(po, po + N * O, scalar_t(0));
    } else if (N > 0 && O > 0) {
      // out [N, O] = x [N, in] w^T [in, O]
      matmul_packed<scalar_t>(N, O, in, x.data<scalar_t>(), in, 1, w.data<scalar_t>(), 1, in, po, O, accumulate);
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
      else if (N > 0 && in > 0) matmul_packed<scalar_t>(N, in, O, pg, O, 1, w.data<scalar_t>(), in, 1, p, in, false);
    }
    if (gw.defined()) {  // gw [O, in] = gout^T [O, N] x [N, in]
      scalar_t* p = gw.data<scalar_t>();
      if (N == 0) std::fill(p, p + O * in, scalar_t(0));
      else if (O > 0 && in > 0) matmul_packed<scalar_t>(O, in, N, pg, 1, O, x.data<scalar_t>(), in, 1, p, in, false);
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
