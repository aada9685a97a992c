// Dropout: argument checks, mask drawing and autograd (ops/dropout.h).
#include "ops/dropout.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

namespace {
void check_p(double p) { DPT_CHECK(p >= 0 && p < 1, "dropout: p must be in [0, 1), got " << p); }
}  // namespace

Tensor dropout_mask(const Shape& shape, double p, Generator& gen, DType dtype, Device device) {
  check_p(p);
  Tensor mask = Tensor::empty(shape, dtype, device);
  const uint64_t first = gen.advance(static_cast<uint64_t>(mask.numel()));
  DPT_DISPATCH(device, dropout_fill_mask, gen.seed(), first, 1.0 - p, mask);
  return mask;
}

Tensor dropout_masked(const Tensor& x, const Tensor& mask, double p) {
  check_p(p);
  DPT_CHECK(mask.shape() == x.shape() && mask.dtype() == x.dtype() && mask.device() == x.device(),
            "dropout: mask " << mask.describe() << " must match x " << x.describe());
  const double scale = 1.0 / (1.0 - p);
  Tensor xc = x.contiguous().detach(), m = mask.contiguous().detach();
  Tensor out = Tensor::empty_like(xc);
  DPT_DISPATCH(x.device(), dropout_apply, xc, m, scale, out);
  return make_result(out, "dropout", {x}, [m, scale](const Tensor& g) {
    Tensor gc = g.contiguous();
    Tensor gx = Tensor::empty_like(gc);
    DPT_DISPATCH(gc.device(), dropout_apply, gc, m, scale, gx);
    return std::vector<Tensor>{gx};
  });
}

Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  check_p(p);
  if (!training || p == 0) return x;
  return dropout_masked(x, dropout_mask(x.shape(), p, gen, x.dtype(), x.device()), p);
}

}  // namespace dpt
