// 2x2 max pooling with stride 2, floor mode; ties send the gradient to the first maximum in
// row-major order (PyTorch's rule).
#pragma once
#include "core/tensor.h"

namespace dpt {

Tensor max_pool2d_2x2(const Tensor& x);  // [N, C, H, W] -> [N, C, H/2, W/2]

// Kernels (x contiguous). Backward recomputes each window's first maximum from x.
namespace cpu {
void max_pool2d_forward(const Tensor& x, Tensor& out);
void max_pool2d_backward(const Tensor& x, const Tensor& gout, Tensor& gx);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void max_pool2d_forward(const Tensor& x, Tensor& out);
void max_pool2d_backward(const Tensor& x, const Tensor& gout, Tensor& gx);
}  // namespace cuda
#endif

}  // namespace dpt
