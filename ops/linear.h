// Fully connected layer: out = x w^T + b (PyTorch layout, w [out, in]).
#pragma once
#include "core/tensor.h"

namespace dpt {

// x [N, in], w [out, in], b [out] or undefined -> [N, out].
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);

// Kernels (CPU: packed GEMMs, ops/cpu/packed_matmul.h, the same bits at any thread count). Inputs
// contiguous; b, gx, gw, gb may be undefined (no bias / not wanted).
//   x [N, in], w [out, in], b [out], out / gout [N, out]
namespace cpu {
void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& out);
void linear_backward(const Tensor& x, const Tensor& w, const Tensor& gout, Tensor& gx, Tensor& gw, Tensor& gb);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& out);
void linear_backward(const Tensor& x, const Tensor& w, const Tensor& gout, Tensor& gx, Tensor& gw, Tensor& gb);
}  // namespace cuda
#endif

}  // namespace dpt
