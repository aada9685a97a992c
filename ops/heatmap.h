// Keypoint heatmaps (docs/sca.md section 1): 18-channel Gaussian maps computed on the fly from the keypoints,
// on the CPU or the device, instead of the original's stored .npy files. Not differentiable (data).
#pragma once
#include "core/tensor.h"
#include "ops/heatmap_math.h"

namespace dpt {

// kp [N, J, 2] (y, x) per joint (Note [keypoint convention]; -1 = missing), any float dtype and device
// -> [N, J, H, W] of kp's dtype and device. sigma > 0 in pixels (SCA-GAN 12, PATN 6).
Tensor keypoint_heatmaps(const Tensor& kp, int64_t H, int64_t W, double sigma);

// Kernels: kp contiguous [N, J, 2]; out [N, J, H, W] preallocated, same dtype and device.
namespace cpu {
void heatmap_forward(const Tensor& kp, double sigma, Tensor& out);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void heatmap_forward(const Tensor& kp, double sigma, Tensor& out);
}  // namespace cuda
#endif

}  // namespace dpt
