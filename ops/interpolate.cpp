// Autograd wrapper and argument checks for interpolate (kernels in ops/cpu, ops/cuda).
#include "ops/interpolate.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

const char* interp_mode_name(InterpMode m) { return m == InterpMode::Nearest ? "nearest" : "bilinear"; }

Tensor interpolate(const Tensor& x, int64_t out_h, int64_t out_w, InterpMode mode) {
  const char* name = interp_mode_name(mode);
  DPT_CHECK(x.dim() == 4, "interpolate (" << name << "): x must be [N, C, H, W], got " << x.shape_str());
  DPT_CHECK(x.size(2) >= 1 && x.size(3) >= 1, "interpolate (" << name << "): empty input " << x.shape_str());
  DPT_CHECK(out_h >= 1 && out_w >= 1, "interpolate (" << name << "): output size " << out_h << "x" << out_w
                                                      << " must be >= 1 (x " << x.shape_str() << ")");
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty({x.size(0), x.size(1), out_h, out_w}, x.dtype(), x.device());
  DPT_DISPATCH(x.device(), interpolate_forward, xc, mode, out);
  const Shape xs = x.shape();
  const DType dt = x.dtype();
  const Device dev = x.device();
  return make_result(out, mode == InterpMode::Nearest ? "interpolate_nearest" : "interpolate_bilinear", {x},
                     [xs, dt, dev, mode](const Tensor& g) {
                       Tensor gx = Tensor::empty(xs, dt, dev);
                       DPT_DISPATCH(dev, interpolate_backward, g.contiguous(), mode, gx);
                       return std::vector<Tensor>{gx};
                     });
}

}  // namespace dpt
