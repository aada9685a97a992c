// Argument checks and dispatch of keypoint_heatmaps (kernels in ops/cpu/heatmap.cpp, ops/cuda/heatmap.cu).
#include "ops/heatmap.h"

#include <cmath>

#include "core/dispatch.h"

namespace dpt {

Tensor keypoint_heatmaps(const Tensor& kp, int64_t H, int64_t W, double sigma) {
  DPT_CHECK(kp.dim() == 3 && kp.size(2) == 2,
            "keypoint_heatmaps: kp must be [N, J, 2] (y, x) per joint, got " << kp.shape_str());
  DPT_CHECK(H > 0 && W > 0, "keypoint_heatmaps: image size must be positive, got " << H << "x" << W);
  DPT_CHECK(std::isfinite(sigma) && sigma > 0, "keypoint_heatmaps: sigma must be > 0, got " << sigma);
  Tensor k = kp.contiguous().detach();
  Tensor out = Tensor::empty({kp.size(0), kp.size(1), H, W}, kp.dtype(), kp.device());
  DPT_DISPATCH(kp.device(), heatmap_forward, k, sigma, out);
  return out;
}

}  // namespace dpt
