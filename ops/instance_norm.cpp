// Autograd wrapper for instance norm (Note [IN numerics] in instance_norm.h).
#include "ops/instance_norm.h"

#include "core/autograd.h"
#include "core/dispatch.h"
#include "ops/grad_reuse.h"

namespace dpt {

Tensor instance_norm(const Tensor& x, double eps) {
  DPT_CHECK(x.dim() >= 3, "instance_norm: x must be [N, C, ...], got " << x.shape_str());
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty_like(xc);
  Tensor rstd = Tensor::empty({x.size(0) * x.size(1)}, x.dtype(), x.device());
  DPT_DISPATCH(x.device(), instance_norm_forward, xc, out, rstd, eps);
  Tensor ys = out.detach();
  return make_result(out, "instance_norm", {x}, [ys, rstd](const Tensor& g) {
    // Each plane's sums are taken before its gradient is written: Note [gradient reuse].
    const bool in_place = gradient_reusable(g);
    Tensor gc = g.contiguous();
    Tensor gx = in_place ? gc.detach() : Tensor::empty_like(ys);
    DPT_DISPATCH(ys.device(), instance_norm_backward, ys, rstd, gc, gx);
    return std::vector<Tensor>{gx};
  });
}

}  // namespace dpt
