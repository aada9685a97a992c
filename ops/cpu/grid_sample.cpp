// CPU kernels of grid_sample (Note [grid_sample convention] in ops/grid_sample_math.h): the forward and
// the grid gradient gather per output point; the x gradient scatters per (n, c) plane (Note [splat determinism]).
#include "core/threading.h"
#include "ops/grid_sample.h"

namespace dpt::cpu {

void grid_sample_forward(const Tensor& x, const Tensor& grid, Tensor& out) {
  const int64_t N = x.size(0), C = x.size(1), Hi = x.size(2), Wi = x.size(3);
  const int64_t Ho = grid.size(1), Wo = grid.size(2), P = Ho * Wo, L = Hi * Wi;
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();     // [N, C, Hi, Wi]
    const scalar_t* pg = grid.data<scalar_t>();  // [N, Ho, Wo, 2]
    scalar_t* po = out.data<scalar_t>();         // [N, C, Ho, Wo]
    parallel_for(N * P, 1024, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t n = i / P, p = i % P;
        const BilinearPoint<scalar_t> b = grid_point(pg[2 * i], pg[2 * i + 1], Hi, Wi);
        for (int64_t c = 0; c < C; ++c)
          po[(n * C + c) * P + p] = bilinear_sample(px + (n * C + c) * L, b, Hi, Wi);
      }
    });
  });
}

void grid_sample_backward(const Tensor& x, const Tensor& grid, const Tensor& grad_out, Tensor& grad_x,
                          Tensor& grad_grid) {
  const int64_t N = x.size(0), C = x.size(1), Hi = x.size(2), Wi = x.size(3);
  const int64_t Ho = grid.size(1), Wo = grid.size(2), P = Ho * Wo, L = Hi * Wi;
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();         // [N, C, Hi, Wi]
    const scalar_t* pg = grid.data<scalar_t>();      // [N, Ho, Wo, 2]
    const scalar_t* pgo = grad_out.data<scalar_t>();  // [N, C, Ho, Wo]
    if (grad_x.defined()) {
      // Scatter: one task per (n, c) plane of grad_x [N, C, Hi, Wi], points in row-major order.
      scalar_t* pgx = grad_x.data<scalar_t>();
      parallel_for(N * C, 1, [&](int64_t begin, int64_t end) {
        for (int64_t nc = begin; nc < end; ++nc) {
          const int64_t n = nc / C;
          scalar_t* plane = pgx + nc * L;
          for (int64_t j = 0; j < L; ++j) plane[j] = scalar_t(0);
          const scalar_t* g = pgo + nc * P;
          const scalar_t* gp = pg + n * P * 2;
          for (int64_t p = 0; p < P; ++p) {
            if (g[p] == scalar_t(0)) continue;
            bilinear_scatter(plane, grid_point(gp[2 * p], gp[2 * p + 1], Hi, Wi), Hi, Wi, g[p]);
          }
        }
      });
    }
    if (grad_grid.defined()) {
      // Gather: one output point at a time, summing over channels. grad_grid [N, Ho, Wo, 2].
      scalar_t* pgg = grad_grid.data<scalar_t>();
      const scalar_t sx = grid_unnormalize_scale<scalar_t>(Wi), sy = grid_unnormalize_scale<scalar_t>(Hi);
      parallel_for(N * P, 1024, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const int64_t n = i / P, p = i % P;
          const BilinearPoint<scalar_t> b = grid_point(pg[2 * i], pg[2 * i + 1], Hi, Wi);
          scalar_t gx = 0, gy = 0;
          for (int64_t c = 0; c < C; ++c) {
            scalar_t dx = 0, dy = 0;
            bilinear_sample_grad_xy(px + (n * C + c) * L, b, Hi, Wi, &dx, &dy);
            const scalar_t g = pgo[(n * C + c) * P + p];
            gx += g * dx;
            gy += g * dy;
          }
          pgg[2 * i] = gx * sx;
          pgg[2 * i + 1] = gy * sy;
        }
      });
    }
  });
}

}  // namespace dpt::cpu
