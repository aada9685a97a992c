// Gram matrix of feature maps for the style loss: [N, C, H, W] -> [N, C, C] = F F^T / (C H W).
#pragma once
#include "core/tensor.h"

namespace dpt {

Tensor gram(const Tensor& f);

// Kernels. f [N, C, H, W] contiguous, out / gout [N, C, C]; gf [N, C, H, W].
// The forward result is exactly symmetric. gf = (gout + gout^T) F / (C H W).
namespace cpu {
void gram_forward(const Tensor& f, Tensor& out);
void gram_backward(const Tensor& f, const Tensor& gout, Tensor& gf);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void gram_forward(const Tensor& f, Tensor& out);
void gram_backward(const Tensor& f, const Tensor& gout, Tensor& gf);
}  // namespace cuda
#endif

}  // namespace dpt
