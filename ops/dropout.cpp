// Dropout: mask drawing on the host from core/rng, argument checks and autograd (ops/dropout.h).
#include "ops/dropout.h"

#include "core/autograd.h"
#include "core/dispatch.h"
#include "core/threading.h"

namespace dpt {

namespace {
void check_p(double p) { DPT_CHECK(p >= 0 && p < 1, "dropout: p must be in [0, 1), got " << p); }
}  // namespace

Tensor dropout_mask(const Shape& shape, double p, Generator& gen, DType dtype, Device device) {
  check_p(p);
  Tensor u = Tensor::empty(shape, DType::F64);
  uniform_(u, 0.0, 1.0, gen);
  double* pu = u.data<double>();
  const double keep = 1.0 - p;
  parallel_for(u.numel(), 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) pu[i] = pu[i] < keep ? 1.0 : 0.0;
  });
  return u.to(dtype).to(device).detach();
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
