// CUDA uv_splat and splat_normalise (ops/uv_splat.h). Launch (1-D grid-stride, 256 threads):
// forward one thread per image point (n, p) scattering its C values and its weight into the zeroed
// acc / w planes with atomicAdd — or, in deterministic mode, one thread per output plane (the N*C acc
// planes and N w planes) walking the points in the CPU kernel's order (Note [splat determinism]);
// backward (a gather) one thread per point; splat_normalise one thread per texel.
#include "ops/cuda/bilinear.cuh"
#include "ops/cuda/launch.cuh"
#include "ops/uv_splat.h"

namespace dpt::cuda {
namespace {

// img [N, C, P], grid [N, P, 2], fg [N, P] -> acc [N, C, Ha, Wa] and w [N, Ha, Wa], both zeroed first.
template <class T>
__global__ void uv_splat_atomic_kernel(const T* __restrict__ img, const T* __restrict__ grid, const T* __restrict__ fg,
                                       T* acc, T* w, int64_t N, int64_t C, int64_t P, int64_t Ha, int64_t Wa) {
  const int64_t L = Ha * Wa;
  DPT_KERNEL_LOOP(i, N * P) {
    const T f = fg[i];
    if (f == T(0)) continue;
    const int64_t n = i / P, p = i % P;
    const BilinearPoint<T> b = grid_point(grid[2 * i], grid[2 * i + 1], Ha, Wa);
    if (!b.any) continue;
    for (int64_t c = 0; c < C; ++c) bilinear_scatter_atomic(acc + (n * C + c) * L, b, Ha, Wa, img[(n * C + c) * P + p] * f);
    bilinear_scatter_atomic(w + n * L, b, Ha, Wa, T(1) * f);
  }
}

// Deterministic: task t < N*C fills acc plane t, task N*C + n fills w plane n (as the CPU kernel), both
// zeroed first.
template <class T>
__global__ void uv_splat_ordered_kernel(const T* __restrict__ img, const T* __restrict__ grid, const T* __restrict__ fg,
                                        T* __restrict__ acc, T* __restrict__ w, int64_t N, int64_t C, int64_t P,
                                        int64_t Ha, int64_t Wa) {
  const int64_t L = Ha * Wa;
  DPT_KERNEL_LOOP(t, N * (C + 1)) {
    const bool is_w = t >= N * C;
    const int64_t n = is_w ? t - N * C : t / C;
    T* plane = is_w ? w + n * L : acc + t * L;
    const T* src = is_w ? nullptr : img + t * P;
    const T* gp = grid + n * P * 2;
    const T* fp = fg + n * P;
    for (int64_t p = 0; p < P; ++p) {
      if (fp[p] == T(0)) continue;
      const T value = (is_w ? T(1) : src[p]) * fp[p];
      bilinear_scatter(plane, grid_point(gp[2 * p], gp[2 * p + 1], Ha, Wa), Ha, Wa, value);
    }
  }
}

// grad_img [N, C, P] = fg * grid_sample(grad_acc [N, C, Ha, Wa], grid); one thread per point.
template <class T>
__global__ void uv_splat_backward_kernel(const T* __restrict__ gacc, const T* __restrict__ grid,
                                         const T* __restrict__ fg, T* __restrict__ gimg, int64_t N, int64_t C,
                                         int64_t P, int64_t Ha, int64_t Wa) {
  const int64_t L = Ha * Wa;
  DPT_KERNEL_LOOP(i, N * P) {
    const int64_t n = i / P, p = i % P;
    const T f = fg[i];
    if (f == T(0)) {
      for (int64_t c = 0; c < C; ++c) gimg[(n * C + c) * P + p] = T(0);
      continue;
    }
    const BilinearPoint<T> b = grid_point(grid[2 * i], grid[2 * i + 1], Ha, Wa);
    for (int64_t c = 0; c < C; ++c) gimg[(n * C + c) * P + p] = f * bilinear_sample(gacc + (n * C + c) * L, b, Ha, Wa);
  }
}

// acc [N, C, L], w [N, L] -> tex [N, C, L], M [N, L]; one thread per texel (n, j).
template <class T>
__global__ void splat_normalise_forward_kernel(const T* __restrict__ acc, const T* __restrict__ w, T* __restrict__ tex,
                                               T* __restrict__ M, int64_t N, int64_t C, int64_t L, T eps) {
  DPT_KERNEL_LOOP(i, N * L) {
    const int64_t n = i / L, j = i % L;
    const T wi = w[i];
    M[i] = splat_visible(wi, eps) ? T(1) : T(0);
    for (int64_t c = 0; c < C; ++c) {
      const int64_t k = (n * C + c) * L + j;
      tex[k] = splat_normalise_value(acc[k], wi, eps);
    }
  }
}

// grad_acc [N, C, L] = grad_tex / w on visible texels; one thread per element.
template <class T>
__global__ void splat_normalise_backward_kernel(const T* __restrict__ w, const T* __restrict__ gtex,
                                                T* __restrict__ gacc, int64_t N, int64_t C, int64_t L, T eps) {
  DPT_KERNEL_LOOP(k, N * C * L) {
    const int64_t n = k / (C * L), j = k % L;
    gacc[k] = splat_normalise_grad(gtex[k], w[n * L + j], eps);
  }
}

}  // namespace

void uv_splat_forward(const Tensor& img, const Tensor& grid, const Tensor& fg, Tensor& acc, Tensor& w) {
  const int64_t N = img.size(0), C = img.size(1), P = img.size(2) * img.size(3), Ha = acc.size(2), Wa = acc.size(3);
  DPT_DISPATCH_FLOAT(img.dtype(), {
    acc.zero_();
    w.zero_();
    if (deterministic()) {
      launch("uv_splat_ordered", uv_splat_ordered_kernel<scalar_t>, blocks_for(N * (C + 1), 64), 64, 0,
             current_stream(), img.data<scalar_t>(), grid.data<scalar_t>(), fg.data<scalar_t>(), acc.data<scalar_t>(),
             w.data<scalar_t>(), N, C, P, Ha, Wa);
    } else {
      launch("uv_splat_atomic", uv_splat_atomic_kernel<scalar_t>, blocks_for(N * P), kThreads, 0, current_stream(),
             img.data<scalar_t>(), grid.data<scalar_t>(), fg.data<scalar_t>(), acc.data<scalar_t>(), w.data<scalar_t>(),
             N, C, P, Ha, Wa);
    }
  });
}

void uv_splat_backward(const Tensor& grad_acc, const Tensor& grid, const Tensor& fg, Tensor& grad_img) {
  const int64_t N = grad_img.size(0), C = grad_img.size(1), P = grad_img.size(2) * grad_img.size(3);
  const int64_t Ha = grad_acc.size(2), Wa = grad_acc.size(3);
  DPT_DISPATCH_FLOAT(grad_acc.dtype(), {
    launch("uv_splat_backward", uv_splat_backward_kernel<scalar_t>, blocks_for(N * P), kThreads, 0, current_stream(),
           grad_acc.data<scalar_t>(), grid.data<scalar_t>(), fg.data<scalar_t>(), grad_img.data<scalar_t>(), N, C, P,
           Ha, Wa);
  });
}

void splat_normalise_forward(const Tensor& acc, const Tensor& w, Tensor& tex, Tensor& M) {
  const int64_t N = acc.size(0), C = acc.size(1), L = acc.size(2) * acc.size(3);
  DPT_DISPATCH_FLOAT(acc.dtype(), {
    launch("splat_normalise_forward", splat_normalise_forward_kernel<scalar_t>, blocks_for(N * L), kThreads, 0,
           current_stream(), acc.data<scalar_t>(), w.data<scalar_t>(), tex.data<scalar_t>(), M.data<scalar_t>(), N, C,
           L, static_cast<scalar_t>(kSplatEps));
  });
}

void splat_normalise_backward(const Tensor& w, const Tensor& grad_tex, Tensor& grad_acc) {
  const int64_t N = grad_tex.size(0), C = grad_tex.size(1), L = grad_tex.size(2) * grad_tex.size(3);
  DPT_DISPATCH_FLOAT(w.dtype(), {
    launch("splat_normalise_backward", splat_normalise_backward_kernel<scalar_t>, blocks_for(N * C * L), kThreads, 0,
           current_stream(), w.data<scalar_t>(), grad_tex.data<scalar_t>(), grad_acc.data<scalar_t>(), N, C, L,
           static_cast<scalar_t>(kSplatEps));
  });
}

}  // namespace dpt::cuda
