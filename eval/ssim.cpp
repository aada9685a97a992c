// SSIM / MS-SSIM in float64 following Note [SSIM conventions] (eval/ssim.h); checked against numbers from
// scikit-image in tests/test_metrics.cpp (tests/data/eval/make_expected.py).
#include "eval/ssim.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace dpt::eval {

namespace {

// scipy 'reflect' (half-sample symmetric) index for any i, for a side of n >= 1.
int reflect_index(int i, int n) {
  const int period = 2 * n;
  int m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

// Tap k of the window lands on index table[i * kSsimWindow + k] for output i.
std::vector<int> reflect_table(int n) {
  std::vector<int> t(static_cast<size_t>(n) * kSsimWindow);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < kSsimWindow; ++k) t[static_cast<size_t>(i) * kSsimWindow + k] = reflect_index(i + k - kSsimRadius, n);
  return t;
}

void check_pair(const Image8& gt, const Image8& pred, const Plane* weights, const std::string& what,
                const char* metric) {
  DPT_CHECK(gt.channels == 3 && pred.channels == 3,
            metric << ": " << what << ": expected RGB images, got " << gt.channels << " and " << pred.channels
                   << " channels");
  DPT_CHECK(gt.height == pred.height && gt.width == pred.width,
            metric << ": " << what << ": sizes differ: ground truth " << gt.height << "x" << gt.width
                   << ", prediction " << pred.height << "x" << pred.width << " (HxW)");
  DPT_CHECK(gt.height >= kSsimWindow && gt.width >= kSsimWindow,
            metric << ": " << what << ": image " << gt.height << "x" << gt.width
                   << " is smaller than the 11x11 window");
  if (weights)
    DPT_CHECK(weights->height == gt.height && weights->width == gt.width,
              metric << ": " << what << ": region mask is " << weights->height << "x" << weights->width
                     << ", images are " << gt.height << "x" << gt.width);
}

}  // namespace

const std::array<double, kSsimWindow>& gaussian_taps() {
  static const std::array<double, kSsimWindow> taps = [] {
    std::array<double, kSsimWindow> t{};
    double sum = 0;
    for (int k = 0; k < kSsimWindow; ++k) {
      const double x = k - kSsimRadius;
      t[k] = std::exp(-0.5 / (kSsimSigma * kSsimSigma) * x * x);
      sum += t[k];
    }
    for (double& v : t) v /= sum;
    return t;
  }();
  return taps;
}

void gaussian_filter(const Plane& src, Plane& dst) {
  const int h = src.height, w = src.width;
  const auto& g = gaussian_taps();
  const std::vector<int> rows = reflect_table(h), cols = reflect_table(w);
  // Vertical pass first (axis 0), then horizontal (axis 1): scipy's order, so rounding matches closely.
  std::vector<double> tmp(static_cast<size_t>(h) * w);
  for (int i = 0; i < h; ++i) {
    double* out = &tmp[static_cast<size_t>(i) * w];
    for (int j = 0; j < w; ++j) out[j] = 0;
    for (int k = 0; k < kSsimWindow; ++k) {
      const double* in = &src.v[static_cast<size_t>(rows[static_cast<size_t>(i) * kSsimWindow + k]) * w];
      for (int j = 0; j < w; ++j) out[j] += g[k] * in[j];
    }
  }
  dst.height = h;
  dst.width = w;
  dst.v.assign(static_cast<size_t>(h) * w, 0.0);
  for (int i = 0; i < h; ++i) {
    const double* in = &tmp[static_cast<size_t>(i) * w];
    double* out = &dst.v[static_cast<size_t>(i) * w];
    for (int j = 0; j < w; ++j) {
      const int* idx = &cols[static_cast<size_t>(j) * kSsimWindow];
      double acc = 0;
      for (int k = 0; k < kSsimWindow; ++k) acc += g[k] * in[idx[k]];
      out[j] = acc;
    }
  }
}

Plane downsample2(const Plane& p) {
  Plane d;
  d.height = p.height / 2;
  d.width = p.width / 2;
  d.v.resize(static_cast<size_t>(d.height) * d.width);
  for (int i = 0; i < d.height; ++i)
    for (int j = 0; j < d.width; ++j) {
      const double* a = &p.v[static_cast<size_t>(2 * i) * p.width + 2 * j];
      const double* b = a + p.width;
      d.v[static_cast<size_t>(i) * d.width + j] = (a[0] + a[1] + b[0] + b[1]) * 0.25;
    }
  return d;
}

Plane channel_plane(const Image8& img, int c) {
  Plane p;
  p.height = img.height;
  p.width = img.width;
  const size_t n = static_cast<size_t>(img.height) * img.width;
  p.v.resize(n);
  for (size_t i = 0; i < n; ++i) p.v[i] = img.pixels[i * img.channels + c];
  return p;
}

SsimMaps ssim_maps(const Plane& x, const Plane& y, double data_range) {
  DPT_CHECK(x.height == y.height && x.width == y.width,
            "ssim_maps: planes differ in size: " << x.height << "x" << x.width << " vs " << y.height << "x" << y.width);
  DPT_CHECK(data_range > 0 && std::isfinite(data_range), "ssim_maps: data range must be > 0, got " << data_range);
  const double c1 = (0.01 * data_range) * (0.01 * data_range), c2 = (0.03 * data_range) * (0.03 * data_range);
  const size_t n = x.v.size();
  Plane xx = x, yy = y, xy = x;
  for (size_t i = 0; i < n; ++i) {
    xx.v[i] = x.v[i] * x.v[i];
    yy.v[i] = y.v[i] * y.v[i];
    xy.v[i] = x.v[i] * y.v[i];
  }
  Plane ux, uy, uxx, uyy, uxy;
  gaussian_filter(x, ux);
  gaussian_filter(y, uy);
  gaussian_filter(xx, uxx);
  gaussian_filter(yy, uyy);
  gaussian_filter(xy, uxy);
  SsimMaps m;
  m.s = ux;
  m.cs = ux;
  for (size_t i = 0; i < n; ++i) {
    const double mx = ux.v[i], my = uy.v[i];
    const double vx = uxx.v[i] - mx * mx, vy = uyy.v[i] - my * my, vxy = uxy.v[i] - mx * my;
    const double a1 = 2 * mx * my + c1, a2 = 2 * vxy + c2;
    const double b1 = mx * mx + my * my + c1, b2 = vx + vy + c2;
    m.s.v[i] = (a1 * a2) / (b1 * b2);
    m.cs.v[i] = a2 / b2;
  }
  return m;
}

double cropped_mean(const Plane& map, const Plane* weights) {
  const int r = kSsimRadius;
  DPT_CHECK(map.height > 2 * r && map.width > 2 * r,
            "cropped_mean: map " << map.height << "x" << map.width << " has no interior after cropping " << r);
  double sum = 0, wsum = 0;
  for (int i = r; i < map.height - r; ++i)
    for (int j = r; j < map.width - r; ++j) {
      const size_t k = static_cast<size_t>(i) * map.width + j;
      const double w = weights ? weights->v[k] : 1.0;
      sum += w * map.v[k];
      wsum += w;
    }
  return wsum > 0 ? sum / wsum : std::numeric_limits<double>::quiet_NaN();
}

int ms_ssim_scales(int height, int width) {
  int m = 0;
  for (int side = std::min(height, width); m < kMsSsimMaxScales && side >= kSsimWindow; side /= 2) ++m;
  return m;
}

double ssim(const Image8& gt, const Image8& pred, const Plane* weights, const std::string& what, double data_range) {
  check_pair(gt, pred, weights, what, "ssim");
  double total = 0;
  for (int c = 0; c < 3; ++c)
    total += cropped_mean(ssim_maps(channel_plane(gt, c), channel_plane(pred, c), data_range).s, weights);
  return total / 3;
}

MsSsim ms_ssim(const Image8& gt, const Image8& pred, const Plane* weights, const std::string& what) {
  check_pair(gt, pred, weights, what, "ms_ssim");
  MsSsim r;
  r.scales = ms_ssim_scales(gt.height, gt.width);
  double wsum = 0;
  for (int k = 0; k < r.scales; ++k) wsum += kMsSsimWeights[k];
  double total = 0;
  for (int c = 0; c < 3; ++c) {
    Plane x = channel_plane(gt, c), y = channel_plane(pred, c);
    Plane w;
    if (weights) w = *weights;
    double prod = 1;
    for (int k = 0; k < r.scales; ++k) {
      const bool last = k == r.scales - 1;
      const SsimMaps maps = ssim_maps(x, y);
      const double term = cropped_mean(last ? maps.s : maps.cs, weights ? &w : nullptr);
      if (std::isnan(term)) return {std::numeric_limits<double>::quiet_NaN(), r.scales};
      prod *= std::pow(std::max(term, 0.0), kMsSsimWeights[k] / wsum);
      if (!last) {
        x = downsample2(x);
        y = downsample2(y);
        if (weights) w = downsample2(w);
      }
    }
    total += prod;
  }
  r.value = total / 3;
  return r;
}

}  // namespace dpt::eval
