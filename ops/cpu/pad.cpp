// CPU reflection padding (ops/pad.h): gathers over (n, c) planes, index maths from ops/pad_math.h.
#include "core/threading.h"
#include "ops/pad.h"
#include "ops/pad_math.h"

namespace dpt::cpu {

void reflection_pad2d_forward(const Tensor& x, const Pad2d& pad, Tensor& out) {
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3), Ho = out.size(2), Wo = out.size(3);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    parallel_for(P, std::max<int64_t>(1, 16384 / std::max<int64_t>(Ho * Wo, 1)), [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p)
        for (int64_t oy = 0; oy < Ho; ++oy) {
          const scalar_t* row = px + (p * H + reflect_index(oy, pad.top, H)) * W;
          scalar_t* orow = po + (p * Ho + oy) * Wo;
          for (int64_t ox = 0; ox < Wo; ++ox) orow[ox] = row[reflect_index(ox, pad.left, W)];
        }
    });
  });
}

void reflection_pad2d_backward(const Tensor& gout, const Pad2d& pad, Tensor& gx) {
  const int64_t P = gx.size(0) * gx.size(1), H = gx.size(2), W = gx.size(3), Ho = gout.size(2), Wo = gout.size(3);
  DPT_DISPATCH_FLOAT(gx.dtype(), {
    const scalar_t* pg = gout.data<scalar_t>();
    scalar_t* px = gx.data<scalar_t>();
    parallel_for(P, std::max<int64_t>(1, 16384 / std::max<int64_t>(H * W, 1)), [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p)
        for (int64_t y = 0; y < H; ++y)
          for (int64_t x = 0; x < W; ++x)
            px[(p * H + y) * W + x] =
                reflect_gather_grad(pg + p * Ho * Wo, y, x, H, W, pad.top, pad.bottom, pad.left, pad.right);
    });
  });
}

}  // namespace dpt::cpu
