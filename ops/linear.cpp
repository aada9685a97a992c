// Autograd wrapper and argument checks for linear (kernels in ops/cpu, ops/cuda).
#include "ops/linear.h"

#include "core/autograd.h"
#include "core/dispatch.h"
#include "core/flop_counter.h"

namespace dpt {

namespace {
bool wants_grad(const Tensor& t) { return t.defined() && grad_enabled() && (t.requires_grad() || t.grad_fn()); }
}  // namespace

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  DPT_CHECK(x.dim() == 2, "linear: x must be [N, in], got " << x.shape_str());
  DPT_CHECK(w.dim() == 2 && w.size(1) == x.size(1),
            "linear: weight must be [out, " << x.size(1) << "] for x " << x.shape_str() << ", got " << w.shape_str());
  DPT_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == w.size(0)),
            "linear: bias must be [" << w.size(0) << "], got " << b.shape_str());
  DPT_CHECK(x.dtype() == w.dtype() && (!b.defined() || b.dtype() == x.dtype()),
            "linear: dtypes differ: x " << x.describe() << ", weight " << w.describe()
                                        << (b.defined() ? ", bias " + b.describe() : std::string()));
  DPT_CHECK(x.device() == w.device() && (!b.defined() || b.device() == x.device()),
            "linear: devices differ: x " << x.describe() << ", weight " << w.describe());
  Tensor xc = x.contiguous().detach(), wc = w.contiguous().detach();
  Tensor bc = b.defined() ? b.contiguous().detach() : Tensor();
  Tensor out = Tensor::empty({x.size(0), w.size(0)}, x.dtype(), x.device());
  DPT_DISPATCH(x.device(), linear_forward, xc, wc, bc, out);
  const double flops = 2.0 * x.size(0) * x.size(1) * w.size(0);  // Note [FLOP counter]
  count_flops(flops);
  const bool need_x = wants_grad(x), need_w = wants_grad(w), need_b = wants_grad(b);
  return make_result(out, "linear", {x, w, b}, [xc, wc, need_x, need_w, need_b, flops](const Tensor& g) {
    count_flops(flops * (int(need_x) + int(need_w)));
    Tensor gc = g.contiguous();
    Tensor gx = need_x ? Tensor::empty_like(xc) : Tensor();
    Tensor gw = need_w ? Tensor::empty_like(wc) : Tensor();
    Tensor gb = need_b ? Tensor::empty({wc.size(0)}, wc.dtype(), wc.device()) : Tensor();
    DPT_DISPATCH(xc.device(), linear_backward, xc, wc, gc, gx, gw, gb);
    return std::vector<Tensor>{gx, gw, gb};
  });
}

}  // namespace dpt
