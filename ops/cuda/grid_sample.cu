// CUDA grid_sample (ops/grid_sample.h; Note [grid_sample convention] in ops/grid_sample_math.h).
// Launch (1-D grid-stride, 256 threads): forward and grid gradient one thread per output point (n, p),
// looping over channels (gathers, coalesced along p); input gradient one thread per point scattering
// with atomicAdd into the zeroed grad_x, or, in deterministic mode, one thread per (n, c) plane walking
// the points in the CPU kernel's order (Note [splat determinism]).
#include "ops/cuda/bilinear.cuh"
#include "ops/cuda/launch.cuh"
#include "ops/grid_sample.h"

namespace dpt::cuda {
namespace {

// x [N, C, Hi, Wi], grid [N, P, 2] -> out [N, C, P]
template <class T>
__global__ void grid_sample_forward_kernel(const T* __restrict__ x, const T* __restrict__ grid, T* __restrict__ out,
                                           int64_t N, int64_t C, int64_t Hi, int64_t Wi, int64_t P) {
  const int64_t L = Hi * Wi;
  DPT_KERNEL_LOOP(i, N * P) {
    const int64_t n = i / P, p = i % P;
    const BilinearPoint<T> b = grid_point(grid[2 * i], grid[2 * i + 1], Hi, Wi);
    for (int64_t c = 0; c < C; ++c) out[(n * C + c) * P + p] = bilinear_sample(x + (n * C + c) * L, b, Hi, Wi);
  }
}

// grad_out [N, C, P] scattered into the zeroed grad_x [N, C, Hi, Wi] with atomics; one thread per point.
template <class T>
__global__ void grid_sample_grad_x_atomic_kernel(const T* __restrict__ grid, const T* __restrict__ gout, T* gx,
                                                 int64_t N, int64_t C, int64_t Hi, int64_t Wi, int64_t P) {
  const int64_t L = Hi * Wi;
  DPT_KERNEL_LOOP(i, N * P) {
    const int64_t n = i / P, p = i % P;
    const BilinearPoint<T> b = grid_point(grid[2 * i], grid[2 * i + 1], Hi, Wi);
    if (!b.any) continue;
    for (int64_t c = 0; c < C; ++c) {
      const T g = gout[(n * C + c) * P + p];
      if (g != T(0)) bilinear_scatter_atomic(gx + (n * C + c) * L, b, Hi, Wi, g);
    }
  }
}

// Deterministic: thread nc owns plane nc of the zeroed grad_x and walks the points in order (as the CPU kernel).
template <class T>
__global__ void grid_sample_grad_x_ordered_kernel(const T* __restrict__ grid, const T* __restrict__ gout,
                                                  T* __restrict__ gx, int64_t N, int64_t C, int64_t Hi, int64_t Wi,
                                                  int64_t P) {
  const int64_t L = Hi * Wi;
  DPT_KERNEL_LOOP(nc, N * C) {
    const int64_t n = nc / C;
    T* plane = gx + nc * L;  // zeroed by a fill kernel first
    const T* g = gout + nc * P;
    const T* gp = grid + n * P * 2;
    for (int64_t p = 0; p < P; ++p) {
      if (g[p] == T(0)) continue;
      bilinear_scatter(plane, grid_point(gp[2 * p], gp[2 * p + 1], Hi, Wi), Hi, Wi, g[p]);
    }
  }
}

// grad_grid [N, P, 2]: d out / d grid summed over channels; one thread per point.
template <class T>
__global__ void grid_sample_grad_grid_kernel(const T* __restrict__ x, const T* __restrict__ grid,
                                             const T* __restrict__ gout, T* __restrict__ gg, int64_t N, int64_t C,
                                             int64_t Hi, int64_t Wi, int64_t P) {
  const int64_t L = Hi * Wi;
  const T sx = grid_unnormalize_scale<T>(Wi), sy = grid_unnormalize_scale<T>(Hi);
  DPT_KERNEL_LOOP(i, N * P) {
    const int64_t n = i / P, p = i % P;
    const BilinearPoint<T> b = grid_point(grid[2 * i], grid[2 * i + 1], Hi, Wi);
    T gx = 0, gy = 0;
    for (int64_t c = 0; c < C; ++c) {
      T dx = 0, dy = 0;
      bilinear_sample_grad_xy(x + (n * C + c) * L, b, Hi, Wi, &dx, &dy);
      const T g = gout[(n * C + c) * P + p];
      gx += g * dx;
      gy += g * dy;
    }
    gg[2 * i] = gx * sx;
    gg[2 * i + 1] = gy * sy;
  }
}

}  // namespace

void grid_sample_forward(const Tensor& x, const Tensor& grid, Tensor& out) {
  const int64_t N = x.size(0), C = x.size(1), Hi = x.size(2), Wi = x.size(3), P = grid.size(1) * grid.size(2);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("grid_sample_forward", grid_sample_forward_kernel<scalar_t>, blocks_for(N * P), kThreads, 0,
           current_stream(), x.data<scalar_t>(), grid.data<scalar_t>(), out.data<scalar_t>(), N, C, Hi, Wi, P);
  });
}

void grid_sample_backward(const Tensor& x, const Tensor& grid, const Tensor& grad_out, Tensor& grad_x,
                          Tensor& grad_grid) {
  const int64_t N = x.size(0), C = x.size(1), Hi = x.size(2), Wi = x.size(3), P = grid.size(1) * grid.size(2);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* pg = grid.data<scalar_t>();
    const scalar_t* pgo = grad_out.data<scalar_t>();
    if (grad_x.defined()) {
      grad_x.zero_();
      if (deterministic()) {
        launch("grid_sample_grad_x_ordered", grid_sample_grad_x_ordered_kernel<scalar_t>, blocks_for(N * C, 64), 64, 0,
               current_stream(), pg, pgo, grad_x.data<scalar_t>(), N, C, Hi, Wi, P);
      } else {
        launch("grid_sample_grad_x_atomic", grid_sample_grad_x_atomic_kernel<scalar_t>, blocks_for(N * P), kThreads, 0,
               current_stream(), pg, pgo, grad_x.data<scalar_t>(), N, C, Hi, Wi, P);
      }
    }
    if (grad_grid.defined())
      launch("grid_sample_grad_grid", grid_sample_grad_grid_kernel<scalar_t>, blocks_for(N * P), kThreads, 0,
             current_stream(), x.data<scalar_t>(), pg, pgo, grad_grid.data<scalar_t>(), N, C, Hi, Wi, P);
  });
}

}  // namespace dpt::cuda
