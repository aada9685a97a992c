// Resizing of [N, C, H, W] maps to a given output size: nearest and bilinear (align_corners=False),
// forward and backward, as docs/sca.md section 2 defines them (Note [interpolate] in
// ops/interpolate_math.h). Non-integer scale factors (11 -> 22, 6 -> 11, 22 -> 44) are fine: only the
// two sizes matter.
#pragma once
#include "core/tensor.h"

namespace dpt {

enum class InterpMode { Nearest, Bilinear };
const char* interp_mode_name(InterpMode m);  // "nearest", "bilinear"

// x [N, C, H, W] -> [N, C, out_h, out_w]; differentiable in x.
Tensor interpolate(const Tensor& x, int64_t out_h, int64_t out_w, InterpMode mode);

// Kernels. x, gout contiguous; out / gx preallocated. Backward is a gather (each input pixel sums the
// outputs that read it, in row-major output order): deterministic, no atomics.
//   x, gx [N, C, H, W], out, gout [N, C, Ho, Wo]
namespace cpu {
void interpolate_forward(const Tensor& x, InterpMode mode, Tensor& out);
void interpolate_backward(const Tensor& gout, InterpMode mode, Tensor& gx);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void interpolate_forward(const Tensor& x, InterpMode mode, Tensor& out);
void interpolate_backward(const Tensor& gout, InterpMode mode, Tensor& gx);
}  // namespace cuda
#endif

}  // namespace dpt
