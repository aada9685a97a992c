// Max and average pooling over kh x kw windows with per-axis stride and zero padding, floor mode
// (PyTorch's F.max_pool2d / F.avg_pool2d with ceil_mode=False, dilation 1).
// - max: padded positions never win; ties (and several NaNs) send the gradient to the window's first
//   maximum in row-major order, a NaN wins (PyTorch's rule).
// - average: count_include_pad=True, PyTorch's default: every window sum is divided by kh kw, padded
//   zeros included (in floor mode no window reaches past the padding, so the divisor is always kh kw).
#pragma once
#include "core/tensor.h"
#include "ops/hw.h"

namespace dpt {

struct PoolParams {
  Hw kernel = 2;
  Hw stride = 2;
  Hw padding = 0;  // at most half the kernel per axis (PyTorch's limit)
};

// x [N, C, H, W] -> [N, C, (H + 2ph - kh) / sh + 1, (W + 2pw - kw) / sw + 1].
Tensor max_pool2d(const Tensor& x, const PoolParams& p);
Tensor avg_pool2d(const Tensor& x, const PoolParams& p);
inline Tensor max_pool2d_2x2(const Tensor& x) { return max_pool2d(x, PoolParams{}); }  // VGG's pool

// Kernels. x, gout contiguous, outputs preallocated: x, gx [N, C, H, W], out, gout [N, C, Ho, Wo].
// Max-pool backward recomputes each window's first maximum from x. Results are deterministic: every
// input gradient sums its windows in row-major window order on both backends.
namespace cpu {
void max_pool2d_forward(const Tensor& x, const PoolParams& p, Tensor& out);
void max_pool2d_backward(const Tensor& x, const Tensor& gout, const PoolParams& p, Tensor& gx);
void avg_pool2d_forward(const Tensor& x, const PoolParams& p, Tensor& out);
void avg_pool2d_backward(const Tensor& gout, const PoolParams& p, Tensor& gx);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void max_pool2d_forward(const Tensor& x, const PoolParams& p, Tensor& out);
void max_pool2d_backward(const Tensor& x, const Tensor& gout, const PoolParams& p, Tensor& gx);
void avg_pool2d_forward(const Tensor& x, const PoolParams& p, Tensor& out);
void avg_pool2d_backward(const Tensor& gout, const PoolParams& p, Tensor& gx);
}  // namespace cuda
#endif

}  // namespace dpt
