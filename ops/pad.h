// Reflection padding (PyTorch ReflectionPad2d, docs/sca.md rpad(p)): mirror without repeating the edge, so
// out[.., -1] reads x[.., 1]. Each pad must be smaller than the padded dimension.
// The backward is a gather (each input pixel sums the up to 3 x 3 output pixels that read it, in
// row-major order), so CPU and CUDA add in the same order and need no atomics.
#pragma once
#include "core/tensor.h"

namespace dpt {

struct Pad2d {
  int left = 0, right = 0, top = 0, bottom = 0;
};

// x [N, C, H, W] -> [N, C, H + top + bottom, W + left + right].
Tensor reflection_pad2d(const Tensor& x, const Pad2d& pad);
inline Tensor reflection_pad2d(const Tensor& x, int p) { return reflection_pad2d(x, Pad2d{p, p, p, p}); }

// Kernels (contiguous x / gout, preallocated out / gx).
namespace cpu {
void reflection_pad2d_forward(const Tensor& x, const Pad2d& pad, Tensor& out);
void reflection_pad2d_backward(const Tensor& gout, const Pad2d& pad, Tensor& gx);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void reflection_pad2d_forward(const Tensor& x, const Pad2d& pad, Tensor& out);
void reflection_pad2d_backward(const Tensor& gout, const Pad2d& pad, Tensor& gx);
}  // namespace cuda
#endif

}  // namespace dpt
