// CPU interpolate (ops/interpolate.h): one output row (forward) or input row (backward) per task item,
// per-element maths from ops/interpolate_math.h (Note [interpolate]).
#include <algorithm>

#include "core/threading.h"
#include "ops/interpolate.h"
#include "ops/interpolate_math.h"

namespace dpt::cpu {

void interpolate_forward(const Tensor& x, InterpMode mode, Tensor& out) {
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3), Ho = out.size(2), Wo = out.size(3);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    parallel_for(P * Ho, std::max<int64_t>(1, 4096 / Wo), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const scalar_t* plane = px + r / Ho * H * W;
        const int64_t oy = r % Ho;
        scalar_t* row = po + r * Wo;
        if (mode == InterpMode::Nearest) {
          for (int64_t ox = 0; ox < Wo; ++ox) row[ox] = nearest_value(plane, H, W, Ho, Wo, oy, ox);
        } else {
          for (int64_t ox = 0; ox < Wo; ++ox) row[ox] = bilinear_value(plane, H, W, Ho, Wo, oy, ox);
        }
      }
    });
  });
}

void interpolate_backward(const Tensor& gout, InterpMode mode, Tensor& gx) {
  const int64_t P = gx.size(0) * gx.size(1), H = gx.size(2), W = gx.size(3), Ho = gout.size(2), Wo = gout.size(3);
  DPT_DISPATCH_FLOAT(gx.dtype(), {
    const scalar_t* pg = gout.data<scalar_t>();
    scalar_t* pgx = gx.data<scalar_t>();
    parallel_for(P * H, std::max<int64_t>(1, 4096 / W), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const scalar_t* gplane = pg + r / H * Ho * Wo;
        const int64_t iy = r % H;
        scalar_t* row = pgx + r * W;
        if (mode == InterpMode::Nearest) {
          for (int64_t ix = 0; ix < W; ++ix) row[ix] = nearest_input_grad(gplane, H, W, Ho, Wo, iy, ix);
        } else {
          for (int64_t ix = 0; ix < W; ++ix) row[ix] = bilinear_input_grad(gplane, H, W, Ho, Wo, iy, ix);
        }
      }
    });
  });
}

}  // namespace dpt::cpu
