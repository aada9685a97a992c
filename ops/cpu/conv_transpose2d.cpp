// CPU kernels of conv_transpose2d: conv2d's passes with the roles swapped (Note [conv_transpose2d as
// conv2d] in ops/cpu/conv_gemm.h).
#include "ops/conv2d.h"

#include "ops/cpu/conv_gemm.h"

namespace dpt::cpu {

namespace {
// x [N, Cin, H, W], w [Cin, Cout/g, kh, kw], y [N, Cout, Ho, Wo]; the conv2d view maps y -> x.
ConvShape conv2d_view(const Tensor& x, const Tensor& w, const Tensor& y, const ConvParams& p) {
  return {y.size(0), y.size(1), y.size(2), y.size(3), x.size(1), x.size(2), x.size(3),
          static_cast<int>(w.size(2)), static_cast<int>(w.size(3)), p.stride.h, p.stride.w, p.padding.h, p.padding.w,
          p.groups};
}
template <class T> const T* opt_data(const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }
}  // namespace

void conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out) {
  const ConvShape s = conv2d_view(x, w, out, p);
  DPT_DISPATCH_FLOAT(x.dtype(), conv_backward_data_pass<scalar_t>(s, x.data<scalar_t>(), w.data<scalar_t>(),
                                                                  opt_data<scalar_t>(b), out.data<scalar_t>()));
}

void conv_transpose2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p, Tensor& gx,
                               Tensor& gw, Tensor& gb) {
  const ConvShape s = conv2d_view(x, w, gout, p);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* go = gout.data<scalar_t>();
    if (gx.defined()) conv_forward_pass<scalar_t>(s, go, w.data<scalar_t>(), nullptr, gx.data<scalar_t>());
    if (gw.defined()) conv_backward_weight_pass<scalar_t>(s, go, x.data<scalar_t>(), gw.data<scalar_t>());
    if (gb.defined()) channel_sum<scalar_t>(s.N, s.C, s.H * s.W, go, gb.data<scalar_t>());
  });
}

}  // namespace dpt::cpu
