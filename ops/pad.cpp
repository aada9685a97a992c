// Autograd wrapper and argument checks for reflection padding (ops/pad.h).
#include "ops/pad.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

Tensor reflection_pad2d(const Tensor& x, const Pad2d& pad) {
  DPT_CHECK(x.dim() == 4, "reflection_pad2d: x must be [N, C, H, W], got " << x.shape_str());
  const int64_t H = x.size(2), W = x.size(3);
  DPT_CHECK(pad.left >= 0 && pad.right >= 0 && pad.top >= 0 && pad.bottom >= 0,
            "reflection_pad2d: negative padding (" << pad.left << ", " << pad.right << ", " << pad.top << ", "
                                                   << pad.bottom << ")");
  DPT_CHECK(pad.left < W && pad.right < W && pad.top < H && pad.bottom < H,
            "reflection_pad2d: each pad must be smaller than the padded dimension: pads (left "
                << pad.left << ", right " << pad.right << ", top " << pad.top << ", bottom " << pad.bottom
                << ") for x " << x.shape_str());
  Tensor xc = x.contiguous().detach();
  Tensor out = Tensor::empty({x.size(0), x.size(1), H + pad.top + pad.bottom, W + pad.left + pad.right}, x.dtype(),
                             x.device());
  DPT_DISPATCH(x.device(), reflection_pad2d_forward, xc, pad, out);
  const Shape in_shape = x.shape();
  const Device dev = x.device();
  const DType dt = x.dtype();
  return make_result(out, "reflection_pad2d", {x}, [in_shape, dev, dt, pad](const Tensor& g) {
    Tensor gx = Tensor::empty(in_shape, dt, dev);
    DPT_DISPATCH(dev, reflection_pad2d_backward, g.contiguous(), pad, gx);
    return std::vector<Tensor>{gx};
  });
}

}  // namespace dpt
