// Autograd wrappers and argument checks for conv2d and conv_transpose2d (kernels in ops/cpu, ops/cuda).
#include "ops/conv2d.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

int64_t conv2d_out_size(int64_t in, int64_t k, const ConvParams& p) {
  return (in + 2 * p.padding - k) / p.stride + 1;
}

int64_t conv_transpose2d_out_size(int64_t in, int64_t k, const ConvParams& p) {
  return (in - 1) * p.stride - 2 * p.padding + k + p.output_padding;
}

namespace {

bool wants_grad(const Tensor& t) { return t.defined() && grad_enabled() && (t.requires_grad() || t.grad_fn()); }

// Checks shared by both ops (the layout-specific ones follow in each op).
void check_common(const char* op, const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p) {
  DPT_CHECK(x.dim() == 4, op << ": x must be [N, C, H, W], got " << x.shape_str());
  DPT_CHECK(w.dim() == 4, op << ": weight must be 4-D, got " << w.shape_str());
  DPT_CHECK(w.size(2) == w.size(3), op << ": only square kernels are supported, weight " << w.shape_str());
  DPT_CHECK(p.stride >= 1, op << ": stride must be >= 1, got " << p.stride);
  DPT_CHECK(p.padding >= 0, op << ": padding must be >= 0, got " << p.padding);
  DPT_CHECK(p.groups >= 1, op << ": groups must be >= 1, got " << p.groups);
  DPT_CHECK(x.dtype() == w.dtype(), op << ": x is " << dtype_name(x.dtype()) << ", weight is " << dtype_name(w.dtype()));
  DPT_CHECK(x.device() == w.device(), op << ": x on " << x.device().str() << ", weight on " << w.device().str());
  if (b.defined()) {
    DPT_CHECK(b.dtype() == x.dtype() && b.device() == x.device(),
              op << ": bias is " << b.describe() << ", x is " << x.describe());
  }
}

Tensor contiguous_or_undefined(const Tensor& t) { return t.defined() ? t.contiguous().detach() : Tensor(); }

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p) {
  check_common("conv2d", x, w, b, p);
  DPT_CHECK(p.output_padding == 0, "conv2d: output_padding is for conv_transpose2d only");
  const int64_t N = x.size(0), Cin = x.size(1), Cout = w.size(0), k = w.size(2);
  DPT_CHECK(Cin % p.groups == 0 && Cout % p.groups == 0,
            "conv2d: channels must divide by groups = " << p.groups << ": x " << x.shape_str() << ", weight "
                                                         << w.shape_str());
  DPT_CHECK(w.size(1) == Cin / p.groups, "conv2d: weight must be [Cout, Cin/groups, k, k] = [" << Cout << ", "
                                             << Cin / p.groups << ", k, k] for x " << x.shape_str() << " and groups "
                                             << p.groups << ", got " << w.shape_str());
  DPT_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == Cout),
            "conv2d: bias must be [" << Cout << "], got " << b.shape_str());
  const int64_t Ho = conv2d_out_size(x.size(2), k, p), Wo = conv2d_out_size(x.size(3), k, p);
  DPT_CHECK(Ho >= 1 && Wo >= 1, "conv2d: input " << x.shape_str() << " is smaller than the kernel " << w.shape_str()
                                                  << " with padding " << p.padding);

  Tensor xc = x.contiguous().detach(), wc = w.contiguous().detach(), bc = contiguous_or_undefined(b);
  Tensor out = Tensor::empty({N, Cout, Ho, Wo}, x.dtype(), x.device());
  DPT_DISPATCH(x.device(), conv2d_forward, xc, wc, bc, p, out);

  const bool need_x = wants_grad(x), need_w = wants_grad(w), need_b = wants_grad(b);
  return make_result(out, "conv2d", {x, w, b}, [xc, wc, p, need_x, need_w, need_b](const Tensor& g) {
    Tensor gc = g.contiguous();
    Tensor gx = need_x ? Tensor::empty_like(xc) : Tensor();
    Tensor gw = need_w ? Tensor::empty_like(wc) : Tensor();
    Tensor gb = need_b ? Tensor::empty({wc.size(0)}, wc.dtype(), wc.device()) : Tensor();
    DPT_DISPATCH(xc.device(), conv2d_backward, xc, wc, gc, p, gx, gw, gb);
    return std::vector<Tensor>{gx, gw, gb};
  });
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p) {
  check_common("conv_transpose2d", x, w, b, p);
  const int64_t N = x.size(0), Cin = x.size(1), k = w.size(2), Cout = w.size(1) * p.groups;
  DPT_CHECK(w.size(0) == Cin && Cin % p.groups == 0,
            "conv_transpose2d: weight must be [Cin, Cout/groups, k, k] with Cin = " << Cin << " divisible by groups = "
                                                                                    << p.groups << ", got weight "
                                                                                    << w.shape_str() << " for x "
                                                                                    << x.shape_str());
  DPT_CHECK(p.output_padding >= 0 && p.output_padding < p.stride,
            "conv_transpose2d: output_padding must be in [0, stride), got " << p.output_padding << " with stride "
                                                                             << p.stride);
  DPT_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == Cout),
            "conv_transpose2d: bias must be [" << Cout << "], got " << b.shape_str());
  const int64_t Ho = conv_transpose2d_out_size(x.size(2), k, p), Wo = conv_transpose2d_out_size(x.size(3), k, p);
  DPT_CHECK(Ho >= 1 && Wo >= 1, "conv_transpose2d: empty output for x " << x.shape_str() << ", weight "
                                                                         << w.shape_str() << ", padding " << p.padding);

  Tensor xc = x.contiguous().detach(), wc = w.contiguous().detach(), bc = contiguous_or_undefined(b);
  Tensor out = Tensor::empty({N, Cout, Ho, Wo}, x.dtype(), x.device());
  DPT_DISPATCH(x.device(), conv_transpose2d_forward, xc, wc, bc, p, out);

  const bool need_x = wants_grad(x), need_w = wants_grad(w), need_b = wants_grad(b);
  return make_result(out, "conv_transpose2d", {x, w, b}, [xc, wc, p, Cout, need_x, need_w, need_b](const Tensor& g) {
    Tensor gc = g.contiguous();
    Tensor gx = need_x ? Tensor::empty_like(xc) : Tensor();
    Tensor gw = need_w ? Tensor::empty_like(wc) : Tensor();
    Tensor gb = need_b ? Tensor::empty({Cout}, wc.dtype(), wc.device()) : Tensor();
    DPT_DISPATCH(xc.device(), conv_transpose2d_backward, xc, wc, gc, p, gx, gw, gb);
    return std::vector<Tensor>{gx, gw, gb};
  });
}

}  // namespace dpt
