// L1 / PSNR (Note [L1 and PSNR]) and the assembly of per-pair metrics for dpt-eval; SSIM and MS-SSIM
// come from eval/ssim.cpp.
#include "eval/metrics.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace dpt::eval {

namespace {

// Weighted mean of |d| and of d^2 over all pixels and channels (d = pred - gt in bytes).
struct ErrorStats {
  double abs_mean = kNaN, sq_mean = kNaN;
};

ErrorStats error_stats(const Image8& gt, const Image8& pred, const Plane* weights) {
  const size_t n = static_cast<size_t>(gt.height) * gt.width;
  double sa = 0, s2 = 0, wsum = 0;
  for (size_t i = 0; i < n; ++i) {
    const double w = weights ? weights->v[i] : 1.0;
    if (w == 0) continue;
    for (int c = 0; c < 3; ++c) {
      const double d = double(pred.pixels[i * 3 + c]) - double(gt.pixels[i * 3 + c]);
      sa += w * std::fabs(d);
      s2 += w * d * d;
    }
    wsum += 3 * w;
  }
  ErrorStats e;
  if (wsum > 0) {
    e.abs_mean = sa / wsum;
    e.sq_mean = s2 / wsum;
  }
  return e;
}

}  // namespace

const char* protocol_name(Protocol p) { return p == Protocol::Patn ? "patn" : "plain"; }

Protocol parse_protocol(const std::string& s) {
  if (s == "plain") return Protocol::Plain;
  if (s == "patn") return Protocol::Patn;
  DPT_FAIL("unknown evaluation protocol '" << s << "' (valid: plain, patn)");
}

Image8 patn_pad(const Image8& img) {
  DPT_CHECK(img.channels >= 1 && img.pixels.size() == static_cast<size_t>(img.height) * img.width * img.channels,
            "patn_pad: malformed image " << img.height << "x" << img.width << "x" << img.channels);
  Image8 out;
  out.height = img.height;
  out.width = img.width + 2 * kPatnPad;
  out.channels = img.channels;
  out.pixels.assign(static_cast<size_t>(out.height) * out.width * out.channels, 255);
  const size_t row_in = static_cast<size_t>(img.width) * img.channels, row_out = static_cast<size_t>(out.width) * out.channels;
  for (int y = 0; y < img.height; ++y)
    std::copy(img.pixels.begin() + y * row_in, img.pixels.begin() + (y + 1) * row_in,
              out.pixels.begin() + y * row_out + static_cast<size_t>(kPatnPad) * img.channels);
  return out;
}

double patn_ssim(const Image8& gt, const Image8& pred, const std::string& what) {
  const Image8 g = patn_pad(gt), p = patn_pad(pred);
  const auto [lo, hi] = std::minmax_element(p.pixels.begin(), p.pixels.end());
  const double range = static_cast<double>(*hi) - static_cast<double>(*lo);
  if (range == 0) return kNaN;  // a uniformly white prediction (Note [PATN protocol])
  return ssim(g, p, nullptr, what + " (PATN protocol: 40 white columns per side)", range);
}

Metrics image_metrics(const Image8& gt, const Image8& pred, const Plane* weights, const std::string& what) {
  Metrics m;
  m.ssim = ssim(gt, pred, weights, what);  // checks channels and sizes
  const MsSsim ms = ms_ssim(gt, pred, weights, what);
  m.ms_ssim = ms.value;
  m.ms_ssim_scales = ms.scales;
  const ErrorStats e = error_stats(gt, pred, weights);
  m.l1 = e.abs_mean / 255.0;
  if (!std::isnan(e.sq_mean))
    m.psnr = e.sq_mean == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(255.0 * 255.0 / e.sq_mean);
  return m;
}

Plane foreground_mask(const Tensor& iuv) {
  DPT_CHECK(iuv.dim() == 3 && iuv.size(0) == 3, "foreground_mask: iuv must be [3, H, W], got " << iuv.shape_str());
  const Tensor t = iuv.to(DType::F32).to(Device::cpu()).contiguous();
  Plane m;
  m.height = static_cast<int>(t.size(1));
  m.width = static_cast<int>(t.size(2));
  const size_t n = static_cast<size_t>(m.height) * m.width;
  const float* part = t.data<float>();  // channel 0 = I
  m.v.resize(n);
  for (size_t i = 0; i < n; ++i) m.v[i] = part[i] > 0 ? 1.0 : 0.0;
  return m;
}

PairMetrics pair_metrics(const Image8& gt, const Image8& pred, const Tensor& iuv, const std::string& what,
                         Protocol protocol) {
  PairMetrics r;
  r.full = image_metrics(gt, pred, nullptr, what);
  if (protocol == Protocol::Patn) r.full.ssim = patn_ssim(gt, pred, what);
  if (!iuv.defined()) return r;
  const Plane mask = foreground_mask(iuv);
  DPT_CHECK(mask.height == gt.height && mask.width == gt.width,
            what << ": IUV map is " << mask.height << "x" << mask.width << ", images are " << gt.height << "x"
                 << gt.width << " (HxW)");
  r.has_person = true;
  double fg = 0;
  for (double v : mask.v) fg += v;
  r.foreground_fraction = fg / static_cast<double>(mask.v.size());
  r.person = image_metrics(gt, pred, &mask, what + " (person region)");
  return r;
}

}  // namespace dpt::eval
