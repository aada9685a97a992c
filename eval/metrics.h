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

// Note [PATN protocol]
// The SSIM of the PATN evaluation script that SCA-GAN's (and PATN's, ADGAN's, ...) tables use
// (tool/getMetrics_fashion.py; docs/sca.md section 6): both images are padded with 40 white (255) columns on
// each side (its addBounding, whatever the width: 256x176 becomes 256x256), then
// structural_similarity(gt, generated, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
// multichannel=True, data_range=generated.max() - generated.min()) -- the range of the padded generated
// image over all channels, so 255 - its darkest byte. Everything else is Note [SSIM conventions].
// dpt-eval --protocol patn changes only the whole-image SSIM; MS-SSIM, L1, PSNR, LPIPS and the
// person-region metrics are computed as in the plain protocol. A generated image that is uniformly white
// has data range 0 and no SSIM (NaN).
enum class Protocol { Plain, Patn };
const char* protocol_name(Protocol p);          // "plain", "patn"
Protocol parse_protocol(const std::string& s);  // an Error naming the valid ones otherwise
constexpr int kPatnPad = 40;                     // white columns per side
// `img` with kPatnPad white columns added on each side (height x (width + 80)).
Image8 patn_pad(const Image8& img);
// SSIM under Note [PATN protocol].
double patn_ssim(const Image8& gt, const Image8& pred, const std::string& what);

struct Metrics {
  double ssim = kNaN, ms_ssim = kNaN, l1 = kNaN, psnr = kNaN;
  double lpips = kNaN;  // set by dpt-eval --lpips (eval/lpips_eval.h), whole image only
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
// `protocol` decides the whole-image SSIM (Note [PATN protocol]).
PairMetrics pair_metrics(const Image8& gt, const Image8& pred, const Tensor& iuv, const std::string& what,
                         Protocol protocol = Protocol::Plain);

}  // namespace dpt::eval
