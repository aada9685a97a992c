// Autograd wrappers and argument checks for conv2d and conv_transpose2d (kernels in ops/cpu, ops/cuda).
#include "ops/conv2d.h"

#include "core/autograd.h"
#include "core/dispatch.h"
#include "core/flop_counter.h"

namespace dpt {

int64_t conv2d_out_size(int64_t in, int64_t k, const ConvParams& p, int axis) {
  const int s = axis == 0 ? p.stride.h : p.stride.w, pad = axis == 0 ? p.padding.h : p.padding.w;
  return (in + 2 * pad - k) / s + 1;
}

int64_t conv_transpose2d_out_size(int64_t in, int64_t k, const ConvParams& p, int axis) {
  const int s = axis == 0 ? p.stride.h : p.stride.w, pad = axis == 0 ? p.padding.h : p.padding.w;
  const int op = axis == 0 ? p.output_padding.h : p.output_padding.w;
  return (in - 1) * s - 2 * pad + k + op;
}

namespace {

bool wants_grad(const Tensor& t) { return t.defined() && grad_enabled() && (t.requires_grad() || t.grad_fn()); }

// Checks shared by both ops (the layout-specific ones follow in each op).
void check_common(const char* op, const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p) {
  DPT_CHECK(x.dim() == 4, op << ": x must be [N, C, H, W], got " << x.shape_str());
  DPT_CHECK(w.dim() == 4, op << ": weight must be 4-D [*, *, kh, kw], got " << w.shape_str());
  DPT_CHECK(w.size(2) >= 1 && w.size(3) >= 1, op << ": empty kernel, weight " << w.shape_str());
  DPT_CHECK(p.stride.h >= 1 && p.stride.w >= 1, op << ": stride must be >= 1, got " << p.stride << " (x "
                                                     << x.shape_str() << ", weight " << w.shape_str() << ")");
  DPT_CHECK(p.padding.h >= 0 && p.padding.w >= 0, op << ": padding must be >= 0, got " << p.padding << " (x "
                                                       << x.shape_str() << ", weight " << w.shape_str() << ")");
  DPT_CHECK(p.groups >= 1, op << ": groups must be >= 1, got " << p.groups);
  DPT_CHECK(x.dtype() == w.dtype(), op << ": x is " << dtype_name(x.dtype()) << ", weight is " << dtype_name(w.dtype()));
  DPT_CHECK(x.device() == w.device(), op << ": x on " << x.device().str() << ", weight on " << w.device().str());
  if (b.defined()) {
    DPT_CHECK(b.dtype() == x.dtype() && b.device() == x.device(),
              op << ": bias is " << b.describe() << ", x is " << x.describe());
  }
}

Tensor contiguous_or_undefined(const Tensor& t) { return t.defined() ? t.contiguous().detach() : Tensor(); }

// Note [conv saved tensors]: the input gradient reads only the weight and the weight gradient only the
// input, so the input is saved only when the weight gradient is wanted (the frozen VGG19 loss network
// keeps none of its inputs for its convs). The backends read x's data only for the weight gradient;
// otherwise they get a stand-in of x's shape: the input gradient itself, or an empty tensor.
Tensor saved_input_or_stand_in(const Tensor& xs, const Shape& x_shape, const Tensor& wc, const Tensor& gx) {
  if (xs.defined()) return xs;
  if (gx.defined()) return gx;
  return Tensor::empty(x_shape, wc.dtype(), wc.device());
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p) {
  check_common("conv2d", x, w, b, p);
  DPT_CHECK(p.output_padding == Hw(0), "conv2d: output_padding is for conv_transpose2d only, got " << p.output_padding);
  const int64_t N = x.size(0), Cin = x.size(1), Cout = w.size(0), kh = w.size(2), kw = w.size(3);
  DPT_CHECK(Cin % p.groups == 0 && Cout % p.groups == 0,
            "conv2d: channels must divide by groups = " << p.groups << ": x " << x.shape_str() << ", weight "
                                                         << w.shape_str());
  DPT_CHECK(w.size(1) == Cin / p.groups, "conv2d: weight must be [Cout, Cin/groups, kh, kw] = [" << Cout << ", "
                                             << Cin / p.groups << ", kh, kw] for x " << x.shape_str() << " and groups "
                                             << p.groups << ", got " << w.shape_str());
  DPT_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == Cout),
            "conv2d: bias must be [" << Cout << "], got " << b.shape_str());
  const int64_t Ho = conv2d_out_size(x.size(2), kh, p, 0), Wo = conv2d_out_size(x.size(3), kw, p, 1);
  DPT_CHECK(Ho >= 1 && Wo >= 1, "conv2d: input " << x.shape_str() << " is smaller than the kernel " << w.shape_str()
                                                  << " with padding " << p.padding);

  Tensor xc = x.contiguous().detach(), wc = w.contiguous().detach(), bc = contiguous_or_undefined(b);
  Tensor out = Tensor::empty({N, Cout, Ho, Wo}, x.dtype(), x.device());
  DPT_DISPATCH(x.device(), conv2d_forward, xc, wc, bc, p, out);
  const double flops = 2.0 * N * Cout * (Cin / p.groups) * kh * kw * Ho * Wo;  // Note [FLOP counter]
  count_flops(flops);

  const bool need_x = wants_grad(x), need_w = wants_grad(w), need_b = wants_grad(b);
  const Tensor xs = need_w ? xc : Tensor();  // Note [conv saved tensors]
  const Shape x_shape = x.shape();
  return make_result(out, "conv2d", {x, w, b}, [xs, x_shape, wc, p, need_x, need_w, need_b, flops](const Tensor& g) {
    count_flops(flops * (int(need_x) + int(need_w)));
    Tensor gc = g.contiguous();
    Tensor gx = need_x ? Tensor::empty(x_shape, wc.dtype(), wc.device()) : Tensor();
    Tensor gw = need_w ? Tensor::empty_like(wc) : Tensor();
    Tensor gb = need_b ? Tensor::empty({wc.size(0)}, wc.dtype(), wc.device()) : Tensor();
    const Tensor xin = saved_input_or_stand_in(xs, x_shape, wc, gx);
    DPT_DISPATCH(wc.device(), conv2d_backward, xin, wc, gc, p, gx, gw, gb);
    return std::vector<Tensor>{gx, gw, gb};
  });
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p) {
  check_common("conv_transpose2d", x, w, b, p);
  const int64_t N = x.size(0), Cin = x.size(1), kh = w.size(2), kw = w.size(3), Cout = w.size(1) * p.groups;
  DPT_CHECK(w.size(0) == Cin && Cin % p.groups == 0,
            "conv_transpose2d: weight must be [Cin, Cout/groups, kh, kw] with Cin = " << Cin << " divisible by groups = "
                                                                                    << p.groups << ", got weight "
                                                                                    << w.shape_str() << " for x "
                                                                                    << x.shape_str());
  DPT_CHECK(p.output_padding.h >= 0 && p.output_padding.w >= 0 && p.output_padding.h < p.stride.h &&
                p.output_padding.w < p.stride.w,
            "conv_transpose2d: output_padding must be in [0, stride) per axis, got " << p.output_padding
                                                                                      << " with stride " << p.stride);
  DPT_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == Cout),
            "conv_transpose2d: bias must be [" << Cout << "], got " << b.shape_str());
  const int64_t Ho = conv_transpose2d_out_size(x.size(2), kh, p, 0), Wo = conv_transpose2d_out_size(x.size(3), kw, p, 1);
  DPT_CHECK(Ho >= 1 && Wo >= 1, "conv_transpose2d: empty output for x " << x.shape_str() << ", weight "
                                                                         << w.shape_str() << ", padding " << p.padding);

  Tensor xc = x.contiguous().detach(), wc = w.contiguous().detach(), bc = contiguous_or_undefined(b);
  Tensor out = Tensor::empty({N, Cout, Ho, Wo}, x.dtype(), x.device());
  DPT_DISPATCH(x.device(), conv_transpose2d_forward, xc, wc, bc, p, out);
  const double flops = 2.0 * N * Cin * (Cout / p.groups) * kh * kw * x.size(2) * x.size(3);  // Note [FLOP counter]
  count_flops(flops);

  const bool need_x = wants_grad(x), need_w = wants_grad(w), need_b = wants_grad(b);
  const Tensor xs = need_w ? xc : Tensor();  // Note [conv saved tensors]
  const Shape x_shape = x.shape();
  return make_result(out, "conv_transpose2d", {x, w, b},
                     [xs, x_shape, wc, p, Cout, need_x, need_w, need_b, flops](const Tensor& g) {
    count_flops(flops * (int(need_x) + int(need_w)));
    Tensor gc = g.contiguous();
    Tensor gx = need_x ? Tensor::empty(x_shape, wc.dtype(), wc.device()) : Tensor();
    Tensor gw = need_w ? Tensor::empty_like(wc) : Tensor();
    Tensor gb = need_b ? Tensor::empty({Cout}, wc.dtype(), wc.device()) : Tensor();
    const Tensor xin = saved_input_or_stand_in(xs, x_shape, wc, gx);
    DPT_DISPATCH(wc.device(), conv_transpose2d_backward, xin, wc, gc, p, gx, gw, gb);
    return std::vector<Tensor>{gx, gw, gb};
  });
}

}  // namespace dpt
