// CPU max and average pooling (ops/pool2d.h), one (n, c) plane per task; per-element maths from
// ops/pool2d_math.h. Max-pool backward scatters each window's gradient to its first maximum, windows in
// row-major order (the same sums, in the same order, as the CUDA gather).
#include "core/threading.h"
#include "ops/pool2d.h"
#include "ops/pool2d_math.h"

namespace dpt::cpu {

namespace {
// x [P, H, W] (P = N C) pooled to [P, Ho, Wo].
PoolGeom geom_of(const Tensor& x, const Tensor& y, const PoolParams& p) {
  return {x.size(2), x.size(3), y.size(2), y.size(3), p.kernel.h, p.kernel.w,
          p.stride.h, p.stride.w, p.padding.h, p.padding.w};
}
}  // namespace

void max_pool2d_forward(const Tensor& x, const PoolParams& p, Tensor& out) {
  const PoolGeom g = geom_of(x, out, p);
  const int64_t P = x.size(0) * x.size(1), HW = g.H * g.W, HWo = g.Ho * g.Wo;
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    parallel_for(P, 1, [&](int64_t b, int64_t e) {
      for (int64_t q = b; q < e; ++q)
        for (int64_t oy = 0; oy < g.Ho; ++oy)
          for (int64_t ox = 0; ox < g.Wo; ++ox)
            po[q * HWo + oy * g.Wo + ox] = px[q * HW + max_pool_argmax(px + q * HW, g, oy, ox)];
    });
  });
}

void max_pool2d_backward(const Tensor& x, const Tensor& gout, const PoolParams& p, Tensor& gx) {
  const PoolGeom g = geom_of(x, gout, p);
  const int64_t P = x.size(0) * x.size(1), HW = g.H * g.W, HWo = g.Ho * g.Wo;
  gx.zero_();
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pg = gout.data<scalar_t>();
    scalar_t* pgx = gx.data<scalar_t>();
    parallel_for(P, 1, [&](int64_t b, int64_t e) {
      for (int64_t q = b; q < e; ++q)
        for (int64_t oy = 0; oy < g.Ho; ++oy)
          for (int64_t ox = 0; ox < g.Wo; ++ox)
            pgx[q * HW + max_pool_argmax(px + q * HW, g, oy, ox)] += pg[q * HWo + oy * g.Wo + ox];
    });
  });
}

void avg_pool2d_forward(const Tensor& x, const PoolParams& p, Tensor& out) {
  const PoolGeom g = geom_of(x, out, p);
  const int64_t P = x.size(0) * x.size(1), HW = g.H * g.W, HWo = g.Ho * g.Wo;
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    parallel_for(P, 1, [&](int64_t b, int64_t e) {
      for (int64_t q = b; q < e; ++q)
        for (int64_t oy = 0; oy < g.Ho; ++oy)
          for (int64_t ox = 0; ox < g.Wo; ++ox) po[q * HWo + oy * g.Wo + ox] = avg_pool_value(px + q * HW, g, oy, ox);
    });
  });
}

void avg_pool2d_backward(const Tensor& gout, const PoolParams& p, Tensor& gx) {
  const PoolGeom g = geom_of(gx, gout, p);
  const int64_t P = gx.size(0) * gx.size(1), HW = g.H * g.W, HWo = g.Ho * g.Wo;
  DPT_DISPATCH_FLOAT(gx.dtype(), {
    const scalar_t* pg = gout.data<scalar_t>();
    scalar_t* pgx = gx.data<scalar_t>();
    parallel_for(P, 1, [&](int64_t b, int64_t e) {
      for (int64_t q = b; q < e; ++q)
        for (int64_t iy = 0; iy < g.H; ++iy)
          for (int64_t ix = 0; ix < g.W; ++ix) pgx[q * HW + iy * g.W + ix] = avg_pool_input_grad(pg + q * HWo, g, iy, ix);
    });
  });
}

}  // namespace dpt::cpu
