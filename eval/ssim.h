// SSIM and MS-SSIM of 8-bit RGB images, computed as scikit-image 0.19 does (Note [SSIM conventions]),
// optionally restricted to a region by per-pixel weights (the person region of dpt-eval).
#pragma once
#include <array>
#include <string>
#include <vector>

#include "io/image.h"

namespace dpt::eval {

// Note [SSIM conventions]
// SSIM = skimage.metrics.structural_similarity(gt, pred, gaussian_weights=True, sigma=1.5,
// use_sample_covariance=False, data_range=255, channel_axis=2):
//  - bytes are converted to float64; each RGB channel is processed alone, the three results averaged;
//  - local statistics come from a separable Gaussian filter (sigma 1.5, truncate 3.5 -> radius 5, 11 taps,
//    weights exp(-x^2 / (2 sigma^2)) normalised to sum 1), vertical pass then horizontal pass, borders
//    extended by half-sample reflection (scipy's 'reflect': d c b a | a b c d | d c b a);
//  - population covariance (cov_norm 1), C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2,
//    S = (2 ux uy + C1)(2 vxy + C2) / ((ux^2 + uy^2 + C1)(vx + vy + C2));
//  - the value is the mean of the S map cropped by 5 pixels on every side.
// MS-SSIM (Wang, Simoncelli, Bovik 2003) on top of the same maps:
//  - M scales (5 when the smaller side allows it); scale k+1 is the 2x2 block mean of scale k, an odd
//    last row/column dropped (floor(H/2) x floor(W/2), like avg_pool2d(kernel 2, stride 2, no padding));
//  - at scales 1..M-1 the contrast-structure term cs = mean of A2/B2 = (2 vxy + C2)/(vx + vy + C2) over the
//    cropped map; at scale M the full SSIM; terms below 0 are clamped to 0 (as pytorch_msssim does: a
//    negative base has no real fractional power);
//  - per channel prod_k term_k^w_k with w = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333), then the mean of the
//    three channels;
//  - a scale needs a smaller side >= 11 (the window): smaller images use the M < 5 scales that fit, with
//    the first M weights renormalised to sum 1 (ms_ssim_scales reports M). Images under 11 pixels are an
//    error for both metrics (skimage refuses them too).
// Data range: C1 = (0.01 L)^2, C2 = (0.03 L)^2 with L = 255 by default; the PATN protocol (eval/metrics.h,
// Note [PATN protocol]) passes L = max - min of the generated image, as its script's data_range.
// Weighted (region) variants: every "mean over the cropped map" becomes sum(w * map) / sum(w) over the
// cropped map. For MS-SSIM the weights of scale k+1 are the 2x2 block means of those of scale k (the
// foreground fraction of each coarse pixel). A region with no weight left in a cropped map gives NaN.

constexpr int kSsimRadius = 5;  // int(3.5 * 1.5 + 0.5)
constexpr int kSsimWindow = 2 * kSsimRadius + 1;
constexpr double kSsimSigma = 1.5;
constexpr int kMsSsimMaxScales = 5;
constexpr std::array<double, kMsSsimMaxScales> kMsSsimWeights = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};

// One channel in float64, row-major [height, width].
struct Plane {
  int height = 0, width = 0;
  std::vector<double> v;
};

// The 11 normalised Gaussian taps, index 0 = offset -5.
const std::array<double, kSsimWindow>& gaussian_taps();
// dst = separable Gaussian filter of src (same size, reflect borders). dst must not alias src.
void gaussian_filter(const Plane& src, Plane& dst);
// 2x2 block mean, odd last row/column dropped.
Plane downsample2(const Plane& p);
// Channel c of an RGB image as float64.
Plane channel_plane(const Image8& img, int c);

// The S map and the contrast-structure map A2/B2 of two planes of one size (both [height, width]).
struct SsimMaps {
  Plane s, cs;
};
constexpr double kSsimDataRange = 255.0;
SsimMaps ssim_maps(const Plane& x, const Plane& y, double data_range = kSsimDataRange);

// Mean of `map` over its interior (kSsimRadius cropped on each side), weighted by `weights` when given
// (same size as map); NaN when the weights sum to 0 there.
double cropped_mean(const Plane& map, const Plane* weights);

// Number of MS-SSIM scales for an image of this size (0 when the smaller side is below 11).
int ms_ssim_scales(int height, int width);

// SSIM and MS-SSIM of two RGB images of the same size (Note [SSIM conventions]). `weights`, when given,
// holds height*width per-pixel weights (e.g. a 0/1 person mask). `what` names the pair in errors.
// `data_range` must be > 0.
double ssim(const Image8& gt, const Image8& pred, const Plane* weights, const std::string& what,
            double data_range = kSsimDataRange);
struct MsSsim {
  double value = 0;
  int scales = 0;
};
MsSsim ms_ssim(const Image8& gt, const Image8& pred, const Plane* weights, const std::string& what);

}  // namespace dpt::eval
