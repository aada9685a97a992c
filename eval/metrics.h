// Per-image quality metrics of a prediction against its ground truth (SSIM, MS-SSIM, L1, PSNR), over the
// whole image and over the person region (the foreground of the target pose's IUV map).
#pragma once
#include <limits>
#include <string>

#include "core/tensor.h"
#include "eval/ssim.h"
#include "io/image.h"

namespace dpt::eval {

// Note [L1 and PSNR]
// L1 = mean |pred - gt| / 255 over pixels and channels: images on [0, 1] (the engine's [-1, 1] tensors
// give twice this). PSNR = 10 log10(255^2 / MSE) on the bytes (data range 255, as skimage's
// peak_signal_noise_ratio), +inf for identical images. Region versions average over the region's pixels
// (all three channels of each), weighted like the SSIM maps (eval/ssim.h).

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Metrics {
  double ssim = kNaN, ms_ssim = kNaN, l1 = kNaN, psnr = kNaN;
  int ms_ssim_scales = 0;
};

struct PairMetrics {
  Metrics full;
  bool has_person = false;          // an IUV map was given
  double foreground_fraction = 0;   // share of pixels with part index > 0
  Metrics person;                   // NaN where the region is empty (or empty inside the cropped map)
};

// All metrics of one pair of RGB images of equal size; `weights` (height*width, or nullptr) restricts them
// to a region. `what` names the pair in errors.
Metrics image_metrics(const Image8& gt, const Image8& pred, const Plane* weights, const std::string& what);

// 1 where the part index I > 0, else 0. iuv is [3, H, W] (I, U, V), as read_iuv returns it.
Plane foreground_mask(const Tensor& iuv);

// Whole-image metrics and, when `iuv` is defined ([3, H, W] of the image's size), the person-region ones.
PairMetrics pair_metrics(const Image8& gt, const Image8& pred, const Tensor& iuv, const std::string& what);

}  // namespace dpt::eval
