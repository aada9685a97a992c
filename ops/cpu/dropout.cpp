// CPU dropout kernels (ops/dropout.h): out = x (mask scale) and the mask draw, elementwise.
#include "core/threading.h"
#include "ops/dropout.h"
#include "ops/dropout_math.h"

namespace dpt::cpu {

void dropout_apply(const Tensor& x, const Tensor& mask, double scale, Tensor& out) {
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pm = mask.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    const scalar_t s = static_cast<scalar_t>(scale);
    parallel_for(x.numel(), 16384, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) po[i] = dropout_value(px[i], pm[i], s);
    });
  });
}

void dropout_fill_mask(uint64_t seed, uint64_t first, double keep, Tensor& mask) {
  DPT_DISPATCH_FLOAT(mask.dtype(), {
    scalar_t* pm = mask.data<scalar_t>();
    parallel_for(mask.numel(), 16384, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        pm[i] = dropout_mask_value<scalar_t>(seed, first + static_cast<uint64_t>(i), keep);
    });
  });
}

}  // namespace dpt::cpu
