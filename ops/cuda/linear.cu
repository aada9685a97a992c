// CUDA linear layer (ops/linear.h): out = x w^T + b as one cuBLAS GEMM over a bias-filled output;
// backward: two GEMMs and the deterministic column sum for the bias.
#include "ops/cuda/channel_ops.cuh"
#include "ops/cuda/gemm.cuh"
#include "ops/cuda/launch.cuh"
#include "ops/linear.h"

namespace dpt::cuda {

// x [N, in], w [O, in], b [O] or undefined -> out [N, O].
void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& out) {
  const int64_t N = x.size(0), in = x.size(1), O = w.size(0);
  if (N == 0 || O == 0) return;
  DPT_DISPATCH_FLOAT(x.dtype(), {
    scalar_t* po = out.data<scalar_t>();
    if (b.defined()) bias_fill(po, b.data<scalar_t>(), N, O, 1);
    // out [N, O] (+)= x [N, in] w^T [in, O]; K = in = 0 leaves the bias (or zeros)
    gemm<scalar_t>(false, true, N, O, in, scalar_t(1), x.data<scalar_t>(), in, w.data<scalar_t>(), in,
                   b.defined() ? scalar_t(1) : scalar_t(0), po, O);
  });
}

// gout [N, O] -> gx [N, in], gw [O, in], gb [O] (each may be undefined).
void linear_backward(const Tensor& x, const Tensor& w, const Tensor& gout, Tensor& gx, Tensor& gw, Tensor& gb) {
  const int64_t N = x.size(0), in = x.size(1), O = w.size(0);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* pg = gout.data<scalar_t>();
    // gx [N, in] = gout [N, O] w [O, in]
    if (gx.defined()) gemm<scalar_t>(false, false, N, in, O, scalar_t(1), pg, O, w.data<scalar_t>(), in, scalar_t(0),
                                     gx.data<scalar_t>(), in);
    // gw [O, in] = gout^T [O, N] x [N, in]
    if (gw.defined()) gemm<scalar_t>(true, false, O, in, N, scalar_t(1), pg, O, x.data<scalar_t>(), in, scalar_t(0),
                                     gw.data<scalar_t>(), in);
    if (gb.defined()) {
      if (N == 0) gb.zero_();
      else channel_sum(gout, N, O, 1, gb);
    }
  });
}

}  // namespace dpt::cuda
