// Bilinear sampling with zero padding and align_corners=True (PyTorch grid_sample semantics).
// Conventions: Note [grid_sample convention] in ops/grid_sample_math.h; determinism: Note [splat determinism].
#pragma once
#include "core/tensor.h"
#include "ops/grid_sample_math.h"

namespace dpt {

// x [N, C, Hi, Wi], grid [N, Ho, Wo, 2] holding (x, y) in [-1, 1] -> [N, C, Ho, Wo].
// Differentiable w.r.t. x and grid.
Tensor grid_sample(const Tensor& x, const Tensor& grid);

// Kernels. Inputs contiguous, same dtype and device; outputs preallocated and overwritten.
namespace cpu {
// x [N, C, Hi, Wi], grid [N, Ho, Wo, 2] -> out [N, C, Ho, Wo].
void grid_sample_forward(const Tensor& x, const Tensor& grid, Tensor& out);
// grad_out [N, C, Ho, Wo] -> grad_x [N, C, Hi, Wi] and grad_grid [N, Ho, Wo, 2]; an undefined output is
// not computed. grad_x is a scatter (Note [splat determinism] in ops/uv_splat.h).
void grid_sample_backward(const Tensor& x, const Tensor& grid, const Tensor& grad_out, Tensor& grad_x,
                          Tensor& grad_grid);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void grid_sample_forward(const Tensor& x, const Tensor& grid, Tensor& out);
void grid_sample_backward(const Tensor& x, const Tensor& grid, const Tensor& grad_out, Tensor& grad_x,
                          Tensor& grad_grid);
}  // namespace cuda
#endif

}  // namespace dpt
