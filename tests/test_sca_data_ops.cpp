// SCA-GAN data ops (docs/sca.md section 1): keypoint heatmaps, XDoG edge maps and BEP2 against the goldens of
// ../shared/golden/sca/ops.safetensors (copied to tests/data/golden/sca) and hand-computed values.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "io/json.h"
#include "ops/bep2.h"
#include "ops/heatmap.h"
#include "ops/xdog.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

const char* kOps = "sca/ops.safetensors";

Json case_meta(const std::string& name) { return parse_json(golden_metadata(kOps).at(name), name); }

// [H, W, 3] bytes -> [1, 3, H, W].
Tensor hwc_to_nchw(const Tensor& hwc) {
  const int64_t H = hwc.size(0), W = hwc.size(1);
  std::vector<double> v = hwc.to_vector(), o(3 * H * W);
  for (int64_t p = 0; p < H * W; ++p)
    for (int c = 0; c < 3; ++c) o[c * H * W + p] = v[p * 3 + c];
  return Tensor::from_vector(o, {1, 3, H, W});
}

// A [1, J, 2] keypoint tensor from (y, x) pairs.
Tensor kp_tensor(const std::vector<std::pair<double, double>>& yx, DType dt = DType::F64) {
  std::vector<double> v;
  for (const auto& p : yx) v.push_back(p.first), v.push_back(p.second);
  return Tensor::from_vector(v, {1, static_cast<int64_t>(yx.size()), 2}).to(dt);
}

// Sum, min and max of channel j of an [N, J, H, W] tensor (or of everything when j < 0).
struct Stats { double sum = 0, min = 1e300, max = -1e300; };
Stats stats(const Tensor& t, int64_t j = -1) {
  const std::vector<double> v = t.contiguous().to(DType::F64).to_vector();
  const int64_t plane = t.size(2) * t.size(3);
  Stats s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (j >= 0 && (static_cast<int64_t>(i) / plane) % t.size(1) != j) continue;
    s.sum += v[i], s.min = std::min(s.min, v[i]), s.max = std::max(s.max, v[i]);
  }
  return s;
}

double at(const Tensor& t, const std::vector<int64_t>& idx) {
  int64_t off = 0;
  for (size_t d = 0; d < idx.size(); ++d) off = off * t.size(static_cast<int64_t>(d)) + idx[d];
  return t.contiguous().to(DType::F64).to_vector()[static_cast<size_t>(off)];
}

// Direct 2-D XDoG of one gray plane (outer-product kernel, clamped indices): an independent reference.
std::vector<double> naive_xdog_bytes(const std::vector<double>& gray, int64_t H, int64_t W, const XdogParams& p) {
  auto blur = [&](double s) {
    const int r = static_cast<int>(std::ceil(2 * s));
    std::vector<double> w(2 * r + 1);
    double sum = 0;
    for (int i = -r; i <= r; ++i) sum += w[i + r] = std::exp(-i * i / (2 * s * s));
    std::vector<double> out(H * W, 0.0);
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x)
        for (int i = -r; i <= r; ++i)
          for (int j = -r; j <= r; ++j) {
            const int64_t yy = std::min<int64_t>(std::max<int64_t>(y + i, 0), H - 1);
            const int64_t xx = std::min<int64_t>(std::max<int64_t>(x + j, 0), W - 1);
            out[y * W + x] += w[i + r] / sum * w[j + r] / sum * gray[yy * W + xx] / 255.0;
          }
    return out;
  };
  const std::vector<double> a = blur(p.sigma), b = blur(p.k * p.sigma);
  std::vector<double> X(H * W);
  for (int64_t i = 0; i < H * W; ++i) {
    const double d = a[i] - p.gamma * b[i];
    X[i] = d < p.eps ? 1.0 : 1.0 + std::tanh(p.phi * d);
  }
  const double lo = *std::min_element(X.begin(), X.end()), hi = *std::max_element(X.begin(), X.end());
  for (double& x : X) x = std::floor(255.0 * (hi == lo ? 1.0 : (x - lo) / (hi - lo)) + 0.5);
  return X;
}

}  // namespace

TEST_CASE("golden/sca/heatmaps") {
  const Json m = case_meta("heatmaps");
  const Tensor kp = golden(kOps, "heatmaps.kp");  // [18, 2]
  const Tensor want = golden(kOps, "heatmaps.heatmaps");
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor hm = keypoint_heatmaps(kp.reshape({1, 18, 2}).to(dt), m.at("H").as_int(), m.at("W").as_int(),
                                  m.at("sigma").as_number());
    expect_golden(hm.reshape(want.shape()), want, 1e-6, std::string("heatmaps ") + dtype_name(dt));
  }
}

TEST_CASE("golden/sca/xdog") {
  const Json m = case_meta("xdog");
  XdogParams p;
  p.sigma = m.at("sigma").as_number(), p.k = m.at("k").as_number(), p.gamma = m.at("gamma").as_number();
  p.phi = m.at("phi").as_number(), p.eps = m.at("eps").as_number();
  const Tensor rgb = hwc_to_nchw(golden(kOps, "xdog.rgb_u8"));
  const Shape plane = golden(kOps, "xdog.gray_u8").shape();
  for (DType dt : {DType::F32, DType::F64}) {
    const std::string what = std::string("xdog ") + dtype_name(dt) + ": ";
    const XdogResult r = xdog(rgb.to(dt), p, true);
    expect_golden(r.gray.reshape(plane), golden(kOps, "xdog.gray_u8"), 0, what + "gray_u8");
    expect_golden(Tensor::from_vector(xdog_gaussian_taps(p.sigma), {5}), golden(kOps, "xdog.kernel_s"), 1e-6,
                  what + "kernel_s");
    expect_golden(Tensor::from_vector(xdog_gaussian_taps(p.k * p.sigma), {7}), golden(kOps, "xdog.kernel_ks"), 1e-6,
                  what + "kernel_ks");
    expect_golden(r.blur_s.reshape(plane), golden(kOps, "xdog.blur_s"), 1e-6, what + "blur_s");
    expect_golden(r.blur_ks.reshape(plane), golden(kOps, "xdog.blur_ks"), 1e-6, what + "blur_ks");
    expect_golden(r.D.reshape(plane), golden(kOps, "xdog.D"), 1e-6, what + "D");
    expect_golden(r.X.reshape(plane), golden(kOps, "xdog.E"), 1e-6, what + "E (X)");
    expect_golden(r.normalised.reshape(plane), golden(kOps, "xdog.xdog"), 1e-6, what + "xdog");
    // Bytes: exact except at the flagged ties (127 or 128 there).
    const std::vector<double> got = r.edge.to_vector(), want = golden(kOps, "xdog.edge_u8").to_vector();
    const std::vector<double> tie = golden(kOps, "xdog.tie_mask").to_vector();
    int ties = 0, bad = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      if (tie[i] != 0) {
        ++ties;
        bad += !(got[i] == 127 || got[i] == 128);
      } else {
        bad += got[i] != want[i];
      }
    }
    CHECK_MESSAGE(ties == 2, what << "the golden flags " << ties << " tie pixels, its README says 2");
    CHECK_MESSAGE(bad == 0, what << bad << " edge bytes differ from xdog.edge_u8");
    Tensor ep = edge_bytes_to_network(r.edge);
    // EP at the ties follows the byte chosen; compare elsewhere exactly in the golden metric.
    std::vector<double> e = ep.to_vector(), g = golden(kOps, "xdog.EP").to_vector();
    for (size_t i = 0; i < e.size(); ++i)
      if (tie[i] != 0) e[i] = g[i];
    expect_golden(Tensor::from_vector(e, golden(kOps, "xdog.EP").shape()), golden(kOps, "xdog.EP"), 1e-6, what + "EP");
  }
}

TEST_CASE("golden/sca/bep2") {
  const Json m = case_meta("bep2");
  Bep2Params p;
  p.sigma = m.at("sigma").as_number(), p.radius = static_cast<int>(m.at("radius").as_int());
  p.threshold = m.at("threshold").as_number();
  const int64_t H = m.at("H").as_int(), W = m.at("W").as_int();
  const Tensor edge = golden(kOps, "bep2.edge_u8").reshape({1, 1, H, W});
  const Tensor ks = golden(kOps, "bep2.kp_src").reshape({1, 18, 2}), kt = golden(kOps, "bep2.kp_tgt").reshape({1, 18, 2});
  expect_golden(bep2_joints_used(ks, kt, H, W, p).reshape({18, 4}), golden(kOps, "bep2.joints_used"), 0, "joints_used");
  for (DType dt : {DType::F32, DType::F64}) {
    const std::string what = std::string("bep2 ") + dtype_name(dt) + ": ";
    Tensor plates = bep2(edge.to(dt), ks.to(dt), kt.to(dt), p, true);
    expect_golden(plates.reshape({18, H, W}), golden(kOps, "bep2.plates"), 0, what + "plates");
    Tensor v = bep2(edge.to(dt), ks.to(dt), kt.to(dt), p);
    expect_golden(v.reshape({18, H, W}), golden(kOps, "bep2.bep2"), 1e-6, what + "bep2");
  }
}

TEST_CASE("sca/heatmaps: hand-computed values, missing joints, border and outside joints") {
  const double s = 2.0;
  // joint 0 on the top-left corner, 1 missing by y, 2 missing by x, 3 outside (not missing), 4 at (-2, -2)
  Tensor kp = kp_tensor({{0, 0}, {-1, 3}, {3, -1}, {-5, 3}, {-2, -2}});
  Tensor hm = keypoint_heatmaps(kp, 6, 5, s);
  CHECK(hm.shape() == Shape{1, 5, 6, 5});
  CHECK(at(hm, {0, 0, 0, 0}) == 1.0);
  CHECK(at(hm, {0, 0, 0, 1}) == doctest::Approx(std::exp(-1.0 / 8)).epsilon(1e-15));
  CHECK(at(hm, {0, 0, 5, 4}) == doctest::Approx(std::exp(-41.0 / 8)).epsilon(1e-15));
  for (int j : {1, 2}) CHECK(stats(hm, j).max == 0.0);
  CHECK(at(hm, {0, 3, 0, 3}) == doctest::Approx(std::exp(-25.0 / 8)).epsilon(1e-15));  // the tail
  CHECK(at(hm, {0, 4, 0, 0}) == doctest::Approx(std::exp(-8.0 / 8)).epsilon(1e-15));   // -2 is not missing
  // All joints missing: all zero.
  std::vector<std::pair<double, double>> missing(18, {-1, -1});
  const Stats none = stats(keypoint_heatmaps(kp_tensor(missing), 8, 6, 12));
  CHECK(none.min == 0.0);
  CHECK(none.max == 0.0);
  // Errors name the op.
  CHECK(contains(error_of([&] { keypoint_heatmaps(kp, 6, 5, 0); }), "sigma"));
  CHECK(contains(error_of([&] { keypoint_heatmaps(Tensor::zeros({1, 18}), 6, 5, 1); }), "[N, J, 2]"));
}

TEST_CASE("sca/bep2: hand-computed plates (border joints, right clip, threshold, all missing)") {
  const int64_t H = 8, W = 8;
  std::vector<double> e(H * W);
  for (int64_t i = 0; i < H * W; ++i) e[i] = static_cast<double>((i * 37) % 256);
  Tensor edge = Tensor::from_vector(e, {1, 1, H, W});
  auto E = [&](int64_t r, int64_t c) { return 255.0 - e[r * W + c]; };
  Bep2Params p;
  p.sigma = 3, p.radius = 2, p.threshold = 0.1;
  // 0: source on the top-left corner (window [0,2) x [0,2)) -> target at the bottom-right corner
  // 1: source interior (window [2,6) x [2,6)) -> target on the right border: left 3 columns kept
  // 2: target 6 pixels outside (peak exp(-2) = 0.135 > 0.1: usable, clamped); 3: 7 outside (0.066: not)
  // 4: missing source
  Tensor ks = kp_tensor({{0, 0}, {4, 4}, {4, 4}, {4, 4}, {-1, 4}});
  Tensor kt = kp_tensor({{7, 7}, {4, 7}, {4, 13}, {4, 14}, {4, 4}});
  Tensor pl = bep2(edge, ks, kt, p, true);
  Tensor used = bep2_joints_used(ks, kt, H, W, p);
  // joint 0: h = w = 2, ty0 = 7 - 1 = 6
  CHECK(at(pl, {0, 0, 6, 6}) == E(0, 0));
  CHECK(at(pl, {0, 0, 7, 7}) == E(1, 1));
  CHECK(at(pl, {0, 0, 5, 6}) == 1.0);
  CHECK(at(used, {0, 0, 2}) == 7.0);
  // joint 1: ty0 = 2, tx0 = 5, tx1 = 8: plate(r, c) = E(r, c - 3)
  CHECK(at(pl, {0, 1, 4, 5}) == E(4, 2));
  CHECK(at(pl, {0, 1, 5, 7}) == E(5, 4));
  CHECK(at(pl, {0, 1, 4, 4}) == 1.0);
  // joint 2: target clamped to (4, 7) like joint 1
  CHECK(at(used, {0, 2, 3}) == 7.0);
  CHECK(at(pl, {0, 2, 4, 5}) == E(4, 2));
  // joints 3, 4: unused, all 1
  CHECK(at(used, {0, 3, 0}) == -1.0);
  CHECK(at(used, {0, 4, 0}) == -1.0);
  CHECK(stats(pl, 3).min == 1.0);
  CHECK(stats(pl, 4).max == 1.0);
  // Network values: 1 - 2 plate / 255.
  Tensor v = bep2(edge, ks, kt, p);
  CHECK(at(v, {0, 0, 6, 6}) == doctest::Approx(1.0 - 2.0 * E(0, 0) / 255.0).epsilon(1e-15));
  CHECK(at(v, {0, 3, 0, 0}) == doctest::Approx(1.0 - 2.0 / 255.0).epsilon(1e-15));
  // All joints missing: every channel is 1 - 2/255.
  std::vector<std::pair<double, double>> missing(18, {-1, -1});
  Tensor all = bep2(edge, kp_tensor(missing), kp_tensor(missing), p);
  CHECK(stats(all).max == doctest::Approx(1.0 - 2.0 / 255.0).epsilon(1e-15));
  CHECK(stats(all).min == doctest::Approx(1.0 - 2.0 / 255.0).epsilon(1e-15));
  CHECK(contains(error_of([&] { bep2(edge, ks, kp_tensor({{1, 1}}), p); }), "differ in joints"));
}

TEST_CASE("sca/xdog: empty, constant and tiny images; an independent 2-D reference") {
  CHECK(contains(error_of([] { xdog(Tensor::empty({1, 3, 0, 5})); }), "empty image"));
  CHECK(contains(error_of([] { xdog(Tensor::zeros({1, 1, 4, 5})); }), "[N, 3, H, W]"));
  XdogParams big;
  big.sigma = 20;
  CHECK(contains(error_of([&] { xdog(Tensor::zeros({1, 3, 4, 5}), big); }), "radius"));
  // Constant image: X constant, N = 1 by definition, all bytes 255 (no edges).
  Tensor flat = Tensor::full({2, 3, 6, 7}, 93.0);
  Tensor e = xdog(flat).edge;
  CHECK(stats(e).min == 255.0);
  CHECK(stats(e).max == 255.0);
  CHECK(xdog(Tensor::full({1, 3, 1, 1}, 10.0)).edge.item() == 255.0);
  // Tiny and odd images (radius larger than the image) against the direct 2-D computation.
  for (auto [H, W] : {std::pair<int64_t, int64_t>{1, 3}, {2, 1}, {5, 4}, {9, 11}}) {
    std::vector<double> v(3 * H * W), gray(H * W);
    for (int64_t i = 0; i < 3 * H * W; ++i) v[i] = static_cast<double>((i * 97 + 13 * (i / 7)) % 256);
    const Tensor rgb = Tensor::from_vector(v, {1, 3, H, W});
    for (int64_t i = 0; i < H * W; ++i)
      gray[i] = std::floor(v[i] * 0.298936021293775 + v[H * W + i] * 0.587043074451121 +
                           v[2 * H * W + i] * 0.114020904255103 + 0.5);
    const XdogResult r = xdog(rgb, {}, true);
    const std::vector<double> want = naive_xdog_bytes(gray, H, W, {});
    CHECK_MESSAGE(r.gray.to_vector() == gray, H << "x" << W);
    const std::vector<double> got = r.edge.to_vector();
    int bad = 0;
    for (size_t i = 0; i < got.size(); ++i) bad += std::fabs(got[i] - want[i]) > (std::fabs(want[i] - 127.5) < 1 ? 1 : 0);
    CHECK_MESSAGE(bad == 0, H << "x" << W << ": " << bad << " bytes differ from the direct 2-D XDoG");
  }
}
