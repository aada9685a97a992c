// uv_splat: the adjoint of grid_sample, scattering image pixels into the UV texture atlas
// (docs/dpt.md section 3), and the normalisation tex = acc / w.
#pragma once
#include "core/tensor.h"
#include "ops/grid_sample_math.h"
#include "ops/uv_splat_math.h"

namespace dpt {

constexpr double kSplatEps = 1e-4;  // a texel is visible when its splat weight w > kSplatEps

struct Splat {
  Tensor acc;  // [N, C, 6S, 4S], differentiable w.r.t. img
  Tensor w;    // [N, 1, 6S, 4S], no gradient
};
// img [N, C, H, W], grid [N, H, W, 2] (from iuv_to_grid, fixed data), fg [N, 1, H, W].
Splat uv_splat(const Tensor& img, const Tensor& grid, const Tensor& fg, int64_t S);

struct Texture {
  Tensor tex;  // [N, C, 6S, 4S] = acc / w where w > kSplatEps, else 0; differentiable w.r.t. acc
  Tensor M;    // [N, 1, 6S, 4S] visibility, 0/1
};
Texture splat_normalise(const Tensor& acc, const Tensor& w);

// Note [splat determinism]
// uv_splat's forward and grid_sample's backward w.r.t. x are scatters: several source points add into
// the same texel. The CPU kernels give each task whole output planes — one (n, c) plane of acc or
// grad_x, or one n plane of w — and walk the source points of that plane in row-major order, so every
// texel sums its contributions in the same order whatever the thread count: the results are bitwise
// reproducible, with no atomics and no per-thread buffers. The cost is parallelism limited to N*C
// (+N) tasks, plenty for the batch sizes here. The other directions (grid_sample forward, its grid
// gradient, uv_splat's backward = fg * grid_sample(grad_acc)) are gathers and parallelise over points.
// A CUDA port that scatters with atomicAdd is not bitwise reproducible; a deterministic mode can run
// one thread block per plane with the same ordered loop.

// Kernels. Inputs contiguous, same dtype and device; outputs preallocated and overwritten.
namespace cpu {
// img [N, C, H, W], grid [N, H, W, 2], fg [N, 1, H, W] -> acc [N, C, Ha, Wa], w [N, 1, Ha, Wa].
void uv_splat_forward(const Tensor& img, const Tensor& grid, const Tensor& fg, Tensor& acc, Tensor& w);
// grad_acc [N, C, Ha, Wa] -> grad_img [N, C, H, W] = fg * grid_sample(grad_acc, grid).
void uv_splat_backward(const Tensor& grad_acc, const Tensor& grid, const Tensor& fg, Tensor& grad_img);
// acc [N, C, Ha, Wa], w [N, 1, Ha, Wa] -> tex [N, C, Ha, Wa], M [N, 1, Ha, Wa].
void splat_normalise_forward(const Tensor& acc, const Tensor& w, Tensor& tex, Tensor& M);
// grad_tex [N, C, Ha, Wa], w [N, 1, Ha, Wa] -> grad_acc [N, C, Ha, Wa].
void splat_normalise_backward(const Tensor& w, const Tensor& grad_tex, Tensor& grad_acc);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void uv_splat_forward(const Tensor& img, const Tensor& grid, const Tensor& fg, Tensor& acc, Tensor& w);
void uv_splat_backward(const Tensor& grad_acc, const Tensor& grid, const Tensor& fg, Tensor& grad_img);
void splat_normalise_forward(const Tensor& acc, const Tensor& w, Tensor& tex, Tensor& M);
void splat_normalise_backward(const Tensor& w, const Tensor& grad_tex, Tensor& grad_acc);
}  // namespace cuda
#endif

}  // namespace dpt
