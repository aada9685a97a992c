// Autograd wrapper for 2x2 max pooling.
#include "ops/max_pool.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

Tensor max_pool2d_2x2(const Tensor& x) {
  DPT_CHECK(x.dim() == 4 && x.size(2) >= 2 && x.size(3) >= 2,
            "max_pool2d_2x2: x must be [N, C, H >= 2, W >= 2], got " << x.shape_str());
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty({x.size(0), x.size(1), x.size(2) / 2, x.size(3) / 2}, x.dtype(), x.device());
  DPT_DISPATCH(x.device(), max_pool2d_forward, xc, out);
  Tensor xs = xc.detach();
  return make_result(out, "max_pool2d", {x}, [xs](const Tensor& g) {
    Tensor gx = Tensor::empty_like(xs);
    DPT_DISPATCH(xs.device(), max_pool2d_backward, xs, g.contiguous(), gx);
    return std::vector<Tensor>{gx};
  });
}

}  // namespace dpt
