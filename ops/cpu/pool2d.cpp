// CPU 2x2 max pooling, one (n, c) plane per task.
#include "core/threading.h"
#include "ops/max_pool.h"
#include "ops/max_pool_math.h"

namespace dpt::cpu {

void max_pool2d_forward(const Tensor& x, Tensor& out) {
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3), Ho = out.size(2), Wo = out.size(3);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    parallel_for(P, 1, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p)
        for (int64_t oy = 0; oy < Ho; ++oy)
          for (int64_t ox = 0; ox < Wo; ++ox)
            po[(p * Ho + oy) * Wo + ox] = px[p * H * W + max_pool_argmax(px + p * H * W, W, oy, ox)];
    });
  });
}

void max_pool2d_backward(const Tensor& x, const Tensor& gout, Tensor& gx) {
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3), Ho = gout.size(2), Wo = gout.size(3);
  gx.zero_();
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pg = gout.data<scalar_t>();
    scalar_t* pgx = gx.data<scalar_t>();
    parallel_for(P, 1, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p)
        for (int64_t oy = 0; oy < Ho; ++oy)
          for (int64_t ox = 0; ox < Wo; ++ox)
            pgx[p * H * W + max_pool_argmax(px + p * H * W, W, oy, ox)] += pg[(p * Ho + oy) * Wo + ox];
    });
  });
}

}  // namespace dpt::cpu
