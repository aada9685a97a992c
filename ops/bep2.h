// BEP2, the shifted edge patches of SCA-GAN (docs/sca.md section 1, Note [BEP2] in ops/bep2_math.h): the
// source's edges around each joint, moved to where the joint is in the target pose. Not differentiable.
#pragma once
#include "core/tensor.h"
#include "ops/bep2_math.h"

namespace dpt {

// edge [N, 1, H, W] the source's stored edge bytes 0..255 (dark lines); kp_src, kp_tgt [N, J, 2] (y, x),
// -1 = missing; all of one float dtype and device -> [N, J, H, W] = 1 - 2 plate / 255, or the plates
// themselves when `plates` is true.
Tensor bep2(const Tensor& edge, const Tensor& kp_src, const Tensor& kp_tgt, const Bep2Params& p = {},
            bool plates = false);

// Which joints BEP2 uses: [N, J, 4] float64 on the CPU holding (sy, sx, ty, tx) after clamping, or
// (-1, -1, -1, -1) for a joint not usable in both poses (the goldens' joints_used).
Tensor bep2_joints_used(const Tensor& kp_src, const Tensor& kp_tgt, int64_t H, int64_t W, const Bep2Params& p = {});

// Kernels: inputs contiguous; out [N, J, H, W] preallocated.
namespace cpu {
void bep2_forward(const Tensor& edge, const Tensor& kp_src, const Tensor& kp_tgt, const Bep2Params& p, bool plates,
                  Tensor& out);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void bep2_forward(const Tensor& edge, const Tensor& kp_src, const Tensor& kp_tgt, const Bep2Params& p, bool plates,
                  Tensor& out);
}  // namespace cuda
#endif

}  // namespace dpt
