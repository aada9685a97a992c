// CPU kernels of uv_splat (a scatter into the atlas, one task per output plane: Note [splat determinism]
// in ops/uv_splat.h), its backward (a gather) and splat_normalise (elementwise).
#include <algorithm>

#include "core/threading.h"
#include "ops/uv_splat.h"

namespace dpt::cpu {

void uv_splat_forward(const Tensor& img, const Tensor& grid, const Tensor& fg, Tensor& acc, Tensor& w) {
  const int64_t N = img.size(0), C = img.size(1), P = img.size(2) * img.size(3);
  const int64_t Ha = acc.size(2), Wa = acc.size(3), L = Ha * Wa;
  DPT_DISPATCH_FLOAT(img.dtype(), {
    const scalar_t* pi = img.data<scalar_t>();   // [N, C, H, W]
    const scalar_t* pg = grid.data<scalar_t>();  // [N, H, W, 2]
    const scalar_t* pf = fg.data<scalar_t>();    // [N, 1, H, W]
    scalar_t* pa = acc.data<scalar_t>();         // [N, C, Ha, Wa]
    scalar_t* pw = w.data<scalar_t>();           // [N, 1, Ha, Wa]
    // Task t < N*C fills acc plane (n, c) = (t / C, t % C); task N*C + n fills w plane n.
    parallel_for(N * (C + 1), 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const bool is_w = t >= N * C;
        const int64_t n = is_w ? t - N * C : t / C;
        scalar_t* plane = is_w ? pw + n * L : pa + t * L;
        const scalar_t* src = is_w ? nullptr : pi + t * P;
        for (int64_t j = 0; j < L; ++j) plane[j] = scalar_t(0);
        const scalar_t* gp = pg + n * P * 2;
        const scalar_t* fp = pf + n * P;
        for (int64_t p = 0; p < P; ++p) {
          if (fp[p] == scalar_t(0)) continue;
          const scalar_t value = (is_w ? scalar_t(1) : src[p]) * fp[p];
          bilinear_scatter(plane, grid_point(gp[2 * p], gp[2 * p + 1], Ha, Wa), Ha, Wa, value);
        }
      }
    });
  });
}

void uv_splat_backward(const Tensor& grad_acc, const Tensor& grid, const Tensor& fg, Tensor& grad_img) {
  const int64_t N = grad_img.size(0), C = grad_img.size(1), P = grad_img.size(2) * grad_img.size(3);
  const int64_t Ha = grad_acc.size(2), Wa = grad_acc.size(3), L = Ha * Wa;
  DPT_DISPATCH_FLOAT(grad_acc.dtype(), {
    const scalar_t* pga = grad_acc.data<scalar_t>();  // [N, C, Ha, Wa]
    const scalar_t* pg = grid.data<scalar_t>();       // [N, H, W, 2]
    const scalar_t* pf = fg.data<scalar_t>();         // [N, 1, H, W]
    scalar_t* pgi = grad_img.data<scalar_t>();        // [N, C, H, W]
    parallel_for(N * P, 1024, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t n = i / P, p = i % P;
        const scalar_t f = pf[i];
        if (f == scalar_t(0)) {
          for (int64_t c = 0; c < C; ++c) pgi[(n * C + c) * P + p] = scalar_t(0);
          continue;
        }
        const BilinearPoint<scalar_t> b = grid_point(pg[2 * i], pg[2 * i + 1], Ha, Wa);
        for (int64_t c = 0; c < C; ++c)
          pgi[(n * C + c) * P + p] = f * bilinear_sample(pga + (n * C + c) * L, b, Ha, Wa);
      }
    });
  });
}

void splat_normalise_forward(const Tensor& acc, const Tensor& w, Tensor& tex, Tensor& M) {
  const int64_t N = acc.size(0), C = acc.size(1), L = acc.size(2) * acc.size(3);
  DPT_DISPATCH_FLOAT(acc.dtype(), {
    const scalar_t* pa = acc.data<scalar_t>();  // [N, C, Ha, Wa]
    const scalar_t* pw = w.data<scalar_t>();    // [N, 1, Ha, Wa]
    scalar_t* pt = tex.data<scalar_t>();        // [N, C, Ha, Wa]
    scalar_t* pm = M.data<scalar_t>();          // [N, 1, Ha, Wa]
    const scalar_t eps = static_cast<scalar_t>(kSplatEps);
    // Texels i = n * L + j; a chunk is walked plane by plane to keep divisions out of the inner loop.
    parallel_for(N * L, 1 << 14, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end;) {
        const int64_t n = i / L, j0 = i % L, j1 = std::min(L, j0 + (end - i));
        const scalar_t* wp = pw + n * L;
        for (int64_t j = j0; j < j1; ++j) pm[n * L + j] = splat_visible(wp[j], eps) ? scalar_t(1) : scalar_t(0);
        for (int64_t c = 0; c < C; ++c) {
          const scalar_t* a = pa + (n * C + c) * L;
          scalar_t* t = pt + (n * C + c) * L;
          for (int64_t j = j0; j < j1; ++j) t[j] = splat_normalise_value(a[j], wp[j], eps);
        }
        i += j1 - j0;
      }
    });
  });
}

void splat_normalise_backward(const Tensor& w, const Tensor& grad_tex, Tensor& grad_acc) {
  const int64_t N = grad_tex.size(0), C = grad_tex.size(1), L = grad_tex.size(2) * grad_tex.size(3);
  DPT_DISPATCH_FLOAT(w.dtype(), {
    const scalar_t* pw = w.data<scalar_t>();         // [N, 1, Ha, Wa]
    const scalar_t* pgt = grad_tex.data<scalar_t>();  // [N, C, Ha, Wa]
    scalar_t* pga = grad_acc.data<scalar_t>();        // [N, C, Ha, Wa]
    const scalar_t eps = static_cast<scalar_t>(kSplatEps);
    // Elements k = (n * C + c) * L + j, walked plane by plane as above.
    parallel_for(N * C * L, 1 << 15, [&](int64_t begin, int64_t end) {
      for (int64_t k = begin; k < end;) {
        const int64_t nc = k / L, j0 = k % L, j1 = std::min(L, j0 + (end - k));
        const scalar_t* wp = pw + (nc / C) * L;
        for (int64_t j = j0; j < j1; ++j) pga[nc * L + j] = splat_normalise_grad(pgt[nc * L + j], wp[j], eps);
        k += j1 - j0;
      }
    });
  });
}

}  // namespace dpt::cpu
