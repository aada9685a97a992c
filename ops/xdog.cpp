// Argument checks, the Gaussian taps and dispatch of xdog (kernels in ops/cpu/xdog.cpp, ops/cuda/xdog.cu).
#include "ops/xdog.h"

#include <cmath>

#include "core/dispatch.h"
#include "ops/elementwise.h"

namespace dpt {

namespace {

XdogTaps make_taps(double s) {
  const std::vector<double> w = xdog_gaussian_taps(s);
  XdogTaps t;
  t.radius = static_cast<int>(w.size() / 2);
  for (size_t i = 0; i < w.size(); ++i) t.w[i] = w[i];
  return t;
}

}  // namespace

std::vector<double> xdog_gaussian_taps(double s) {
  DPT_CHECK(std::isfinite(s) && s > 0, "xdog: Gaussian standard deviation must be > 0, got " << s);
  const double rd = std::ceil(2.0 * s);
  DPT_CHECK(rd <= kXdogMaxRadius, "xdog: Gaussian standard deviation " << s << " needs radius " << rd
                                                                       << " > " << kXdogMaxRadius);
  const int r = static_cast<int>(rd);
  std::vector<double> w(2 * r + 1);
  double sum = 0;
  for (int x = -r; x <= r; ++x) sum += w[x + r] = std::exp(-double(x) * x / (2.0 * s * s));
  for (double& v : w) v /= sum;
  return w;
}

XdogResult xdog(const Tensor& rgb, const XdogParams& p, bool intermediates) {
  DPT_CHECK(rgb.dim() == 4 && rgb.size(1) == 3,
            "xdog: rgb must be [N, 3, H, W] byte values 0..255, got " << rgb.shape_str());
  DPT_CHECK(rgb.size(0) > 0 && rgb.size(2) > 0 && rgb.size(3) > 0,
            "xdog: empty image " << rgb.shape_str() << " (no pixels to find edges in)");
  DPT_CHECK(std::isfinite(p.gamma) && std::isfinite(p.phi) && std::isfinite(p.eps) && std::isfinite(p.k) && p.k > 0,
            "xdog: parameters must be finite with k > 0 (sigma " << p.sigma << ", k " << p.k << ", gamma " << p.gamma
                                                                 << ", phi " << p.phi << ", eps " << p.eps << ")");
  const XdogTaps ts = make_taps(p.sigma), tks = make_taps(p.k * p.sigma);
  Tensor x = rgb.contiguous().detach();
  const Shape plane{rgb.size(0), 1, rgb.size(2), rgb.size(3)};
  XdogResult r;
  r.edge = Tensor::empty(plane, rgb.dtype(), rgb.device());
  Tensor mid[6];
  if (intermediates)
    for (Tensor& m : mid) m = Tensor::empty(plane, rgb.dtype(), rgb.device());
  DPT_DISPATCH(rgb.device(), xdog_forward, x, p, ts, tks, r.edge, intermediates ? mid : nullptr);
  if (intermediates) {
    r.gray = mid[0], r.blur_s = mid[1], r.blur_ks = mid[2], r.D = mid[3], r.X = mid[4], r.normalised = mid[5];
  }
  return r;
}

Tensor edge_bytes_to_network(const Tensor& bytes) {
  if (bytes.device().is_cuda()) return (bytes.detach() * (-2.0 / 255.0) + 1.0).detach();
  // On the CPU in double, rounded once (the value the float64 reference stores as float32).
  Tensor b = bytes.contiguous().detach();
  Tensor out = Tensor::empty(b.shape(), b.dtype());
  DPT_DISPATCH_FLOAT(b.dtype(), {
    const scalar_t* src = b.data<scalar_t>();
    scalar_t* dst = out.data<scalar_t>();
    for (int64_t i = 0; i < b.numel(); ++i) dst[i] = static_cast<scalar_t>(1.0 - 2.0 * static_cast<double>(src[i]) / 255.0);
  });
  return out;
}

}  // namespace dpt
