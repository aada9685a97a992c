// Autograd wrappers and argument checks for max and average pooling (kernels in ops/cpu, ops/cuda).
#include "ops/pool2d.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

namespace {

// The output shape, after checks that name the op, the input shape and the parameters.
Shape pooled_shape(const char* op, const Tensor& x, const PoolParams& p) {
  DPT_CHECK(x.dim() == 4, op << ": x must be [N, C, H, W], got " << x.shape_str());
  DPT_CHECK(p.kernel.h >= 1 && p.kernel.w >= 1 && p.stride.h >= 1 && p.stride.w >= 1,
            op << ": kernel " << p.kernel << " and stride " << p.stride << " must be >= 1 (x " << x.shape_str() << ")");
  DPT_CHECK(p.padding.h >= 0 && p.padding.w >= 0 && 2 * p.padding.h <= p.kernel.h && 2 * p.padding.w <= p.kernel.w,
            op << ": padding " << p.padding << " must be in [0, kernel / 2] for kernel " << p.kernel << " (x "
               << x.shape_str() << ")");
  const int64_t Ho = (x.size(2) + 2 * p.padding.h - p.kernel.h) / p.stride.h + 1;
  const int64_t Wo = (x.size(3) + 2 * p.padding.w - p.kernel.w) / p.stride.w + 1;
  DPT_CHECK(x.size(2) + 2 * p.padding.h >= p.kernel.h && x.size(3) + 2 * p.padding.w >= p.kernel.w,
            op << ": input " << x.shape_str() << " with padding " << p.padding << " is smaller than the kernel "
               << p.kernel);
  return {x.size(0), x.size(1), Ho, Wo};
}

}  // namespace

Tensor max_pool2d(const Tensor& x, const PoolParams& p) {
  Tensor out = Tensor::empty(pooled_shape("max_pool2d", x, p), x.dtype(), x.device());
  Tensor xc = x.contiguous().detach();
  DPT_DISPATCH(x.device(), max_pool2d_forward, xc, p, out);
  return make_result(out, "max_pool2d", {x}, [xc, p](const Tensor& g) {
    Tensor gx = Tensor::empty_like(xc);
    DPT_DISPATCH(xc.device(), max_pool2d_backward, xc, g.contiguous(), p, gx);
    return std::vector<Tensor>{gx};
  });
}

Tensor avg_pool2d(const Tensor& x, const PoolParams& p) {
  Tensor out = Tensor::empty(pooled_shape("avg_pool2d", x, p), x.dtype(), x.device());
  Tensor xc = x.contiguous().detach();
  DPT_DISPATCH(x.device(), avg_pool2d_forward, xc, p, out);
  const Shape xs = x.shape();
  const DType dt = x.dtype();
  const Device dev = x.device();
  return make_result(out, "avg_pool2d", {x}, [xs, dt, dev, p](const Tensor& g) {
    Tensor gx = Tensor::empty(xs, dt, dev);
    DPT_DISPATCH(dev, avg_pool2d_backward, g.contiguous(), p, gx);
    return std::vector<Tensor>{gx};
  });
}

}  // namespace dpt
