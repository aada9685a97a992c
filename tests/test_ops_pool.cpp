// Max and average pooling of any kernel, stride and padding (ops/pool2d.h): exact integer cases against
// the definition and by hand (every padding/stride mode, ties, NaN), float64 gradient checks, errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/pool2d.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

Tensor iota(const Shape& shape, double start = 0.0, double step = 1.0) {
  std::vector<double> v(shape_numel(shape));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + step * static_cast<double>(i);
  return Tensor::from_vector(v, shape);
}

// The definitions as plain loops (double): out [N, C, Ho, Wo] of max (first maximum) or mean over kh kw.
Tensor pool_reference(const Tensor& x, const PoolParams& p, bool is_max) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Ho = (H + 2 * p.padding.h - p.kernel.h) / p.stride.h + 1;
  const int64_t Wo = (W + 2 * p.padding.w - p.kernel.w) / p.stride.w + 1;
  const std::vector<double> v = x.to_vector();
  std::vector<double> out;
  for (int64_t nc = 0; nc < N * C; ++nc)
    for (int64_t oy = 0; oy < Ho; ++oy)
      for (int64_t ox = 0; ox < Wo; ++ox) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        for (int ky = 0; ky < p.kernel.h; ++ky)
          for (int kx = 0; kx < p.kernel.w; ++kx) {
            const int64_t iy = oy * p.stride.h - p.padding.h + ky, ix = ox * p.stride.w - p.padding.w + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            const double e = v[(nc * H + iy) * W + ix];
            best = std::max(best, e);
            sum += e;
          }
        out.push_back(is_max ? best : sum / (p.kernel.h * p.kernel.w));
      }
  return Tensor::from_vector(out, {N, C, Ho, Wo});
}

std::string name_of(const PoolParams& p) {
  return "k(" + std::to_string(p.kernel.h) + "," + std::to_string(p.kernel.w) + ") s(" + std::to_string(p.stride.h) +
         "," + std::to_string(p.stride.w) + ") p(" + std::to_string(p.padding.h) + "," + std::to_string(p.padding.w) +
         ")";
}

const std::vector<PoolParams> kModes = {
    {2, 2, 0},             // VGG
    {3, 2, 0},             // Inception max pool
    {3, 1, 1},             // Inception average pool
    {3, 2, 1},             // overlapping with padding
    {{1, 3}, {1, 2}, {0, 1}},
    {{3, 2}, {2, 1}, {1, 1}},
    {{4, 2}, {3, 3}, {2, 0}},
    {5, 1, 2},
};

}  // namespace

TEST_CASE("golden/pool2d: integer inputs against the definition, every stride/padding mode") {
  // Integer values in a scrambled order (exact sums; every window has one maximum).
  std::vector<double> v(2 * 3 * 7 * 8);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 37) % v.size()) - 100.0;
  for (DType dt : {DType::F32, DType::F64}) {
    const Tensor x = Tensor::from_vector(v, {2, 3, 7, 8}).to(dt);
    for (const PoolParams& p : kModes) {
      expect_golden(max_pool2d(x, p), pool_reference(x, p, true).to(dt), 0, "max " + name_of(p));
      // The mean of integers: exact up to the one division.
      expect_golden(avg_pool2d(x, p), pool_reference(x, p, false).to(dt), dt == DType::F32 ? 1e-7 : 1e-15,
                    "avg " + name_of(p));
    }
  }
}

TEST_CASE("golden/max_pool2d: hand values, ties to the first maximum, padding never wins") {
  // 5x5, x[r][c] = 5r + c: 3x3 stride 2 -> the bottom-right corner of each window.
  test::expect_close(max_pool2d(iota({1, 1, 5, 5}), {3, 2, 0}), Tensor::from_vector(std::vector<double>{12, 14, 22, 24},
                     {1, 1, 2, 2}), 0, 0, "k3s2");
  // 4x4 with padding 1: windows rows/cols -1..1 and 1..3.
  Tensor x = iota({1, 1, 4, 4}, -20.0).set_requires_grad(true);  // all negative: a zero pad would win
  Tensor y = max_pool2d(x, {3, 2, 1});
  expect_golden(y, Tensor::from_vector(std::vector<double>{-15, -13, -7, -5}, {1, 1, 2, 2}), 0, "k3s2p1");
  y.backward(Tensor::ones({1, 1, 2, 2}, DType::F64));
  std::vector<double> want(16, 0.0);
  for (int i : {5, 7, 13, 15}) want[i] = 1;
  expect_golden(x.grad(), Tensor::from_vector(want, {1, 1, 4, 4}), 0, "k3s2p1 dx");
  // Overlapping 2x2 windows over a constant: each window's first element gets its gradient.
  Tensor c = Tensor::ones({1, 1, 3, 3}, DType::F64).set_requires_grad(true);
  max_pool2d(c, {2, 1, 0}).backward(Tensor::from_vector(std::vector<double>{1, 2, 3, 4}, {1, 1, 2, 2}));
  expect_golden(c.grad(), Tensor::from_vector(std::vector<double>{1, 2, 0, 3, 4, 0, 0, 0, 0}, {1, 1, 3, 3}), 0, "ties");
  // Two windows sharing their maximum: its gradient is the sum.
  Tensor s = Tensor::from_vector(std::vector<double>{0, 0, 9, 0, 0}, {1, 1, 1, 5}).set_requires_grad(true);
  max_pool2d(s, {{1, 3}, {1, 1}, 0}).backward(Tensor::from_vector(std::vector<double>{1, 10, 100}, {1, 1, 1, 3}));
  expect_golden(s.grad(), Tensor::from_vector(std::vector<double>{0, 0, 111, 0, 0}, {1, 1, 1, 5}), 0, "shared max");
  // NaN wins.
  Tensor n = Tensor::from_vector(std::vector<double>{1, std::nan(""), 3, 2}, {1, 1, 2, 2});
  CHECK(std::isnan(max_pool2d(n, {2, 2, 0}).item()));
}

TEST_CASE("golden/avg_pool2d: count_include_pad=True hand values and gradient") {
  const Tensor x = iota({1, 1, 5, 5}).set_requires_grad(true);  // 5r + c
  Tensor y = avg_pool2d(x, {3, 1, 1});
  const std::vector<double> a = y.to_vector();
  CHECK(a[0] == doctest::Approx((0 + 1 + 5 + 6) / 9.0));  // corner: 4 of 9 inside, still / 9
  CHECK(a[2] == doctest::Approx((1 + 2 + 3 + 6 + 7 + 8) / 9.0));
  CHECK(a[12] == doctest::Approx(12.0));
  y.backward(Tensor::ones({1, 1, 5, 5}, DType::F64));
  // d/dx = (number of windows containing the pixel) / 9: 4 at corners, 6 on edges, 9 inside.
  const std::vector<double> g = x.grad().to_vector();
  CHECK(g[0] == doctest::Approx(4.0 / 9));
  CHECK(g[1] == doctest::Approx(6.0 / 9));
  CHECK(g[12] == doctest::Approx(1.0));
  // Stride 2, kernel (1, 2): a pixel outside every window gets 0.
  Tensor z = iota({1, 1, 2, 5}).set_requires_grad(true);
  avg_pool2d(z, {{1, 2}, 2, 0}).backward(Tensor::ones({1, 1, 1, 2}, DType::F64));
  expect_golden(z.grad(), Tensor::from_vector(std::vector<double>{0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0, 0, 0}, {1, 1, 2, 5}), 0,
                "skipped pixels");
}

TEST_CASE("gradcheck/max_pool2d_general") {
  std::vector<double> v(2 * 2 * 7 * 6);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 37) % v.size()) * 0.1;  // distinct
  for (const PoolParams& p : kModes) {
    Tensor x = Tensor::from_vector(v, {2, 2, 7, 6}).set_requires_grad(true);
    gradcheck([p](const std::vector<Tensor>& in) { return max_pool2d(in[0], p); }, {x}, "max_pool2d " + name_of(p));
  }
}

TEST_CASE("gradcheck/avg_pool2d") {
  for (const PoolParams& p : kModes)
    gradcheck([p](const std::vector<Tensor>& in) { return avg_pool2d(in[0], p); }, {rand_leaf({2, 2, 7, 6}, 41)},
              "avg_pool2d " + name_of(p));
}

TEST_CASE("ops/pool2d/errors name the op, the shape and the parameters") {
  const Tensor x = Tensor::zeros({1, 2, 4, 4});
  std::string e = error_of([&] { max_pool2d(x, {5, 1, 0}); });
  CHECK(contains(e, "max_pool2d"));
  CHECK(contains(e, "[1, 2, 4, 4]"));
  CHECK(contains(e, "kernel 5"));
  e = error_of([&] { avg_pool2d(x, {{3, 2}, 1, {1, 2}}); });
  CHECK(contains(e, "avg_pool2d: padding (1, 2) must be in [0, kernel / 2] for kernel (3, 2)"));
  CHECK(contains(error_of([&] { avg_pool2d(Tensor::zeros({2, 4, 4}), {2, 2, 0}); }), "avg_pool2d: x must be [N, C, H, W]"));
  CHECK(contains(error_of([&] { max_pool2d(x, {2, 0, 0}); }), "stride 0 must be >= 1"));
}
