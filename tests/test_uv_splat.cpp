// Tests of uv_splat and splat_normalise: a hand-computed splat, adjointness with grid_sample, float64
// gradient checks, thread-count independence, argument errors, the golden cases and the PNG-path cases.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/threading.h"
#include "ops/atlas.h"
#include "ops/elementwise.h"
#include "ops/grid_sample.h"
#include "ops/uv_splat.h"
#include "tests/test_util.h"

namespace dpt {
namespace {

using test::expect_close;
using test::expect_golden;
using test::golden;
using test::gradcheck;
using test::rand_leaf;

double dot(const Tensor& a, const Tensor& b) {
  std::vector<double> va = a.to_vector(), vb = b.to_vector();
  REQUIRE(va.size() == vb.size());
  double s = 0;
  for (size_t i = 0; i < va.size(); ++i) s += va[i] * vb[i];
  return s;
}

// A random 0/1 float64 mask [N, 1, H, W] with about `keep` of the pixels set.
Tensor random_mask(const Shape& shape, uint64_t seed, double keep = 0.7) {
  Tensor u = rand_leaf(shape, seed, 0.0, 1.0).detach();
  std::vector<double> v = u.to_vector();
  for (double& e : v) e = e < keep ? 1.0 : 0.0;
  return Tensor::from_vector(v, shape);
}

TEST_CASE("ops/uv_splat/exact") {
  // S = 1: atlas 6 x 4, pixel x = (gx + 1) * 1.5, y = (gy + 1) * 2.5. One row of 4 pixels:
  //  p0 = 2 at (0, 0) -> (1.5, 2.5): 0.25 to texels (y, x) = (2,1), (2,2), (3,1), (3,2)
  //  p1 = 3 at (1, -1) -> (3, 0): weight 1 to (0, 3)
  //  p2 = 7, background: nothing
  //  p3 = 5 at (-0.5, -0.5) -> (0.75, 1.25): (1,0) 0.1875, (1,1) 0.5625, (2,0) 0.0625, (2,1) 0.1875
  Tensor img = Tensor::from_vector(std::vector<float>{2, 3, 7, 5}, {1, 1, 1, 4});
  Tensor grid = Tensor::from_vector(std::vector<float>{0, 0, 1, -1, 0, 0, -0.5f, -0.5f}, {1, 1, 4, 2});
  Tensor fg = Tensor::from_vector(std::vector<float>{1, 1, 0, 1}, {1, 1, 1, 4});
  std::vector<float> acc(24, 0), w(24, 0);
  auto at = [](int y, int x) { return y * 4 + x; };
  w[at(2, 1)] = 0.4375f; acc[at(2, 1)] = 1.4375f;  // 0.25 * 2 + 0.1875 * 5
  w[at(2, 2)] = 0.25f;   acc[at(2, 2)] = 0.5f;
  w[at(3, 1)] = 0.25f;   acc[at(3, 1)] = 0.5f;
  w[at(3, 2)] = 0.25f;   acc[at(3, 2)] = 0.5f;
  w[at(0, 3)] = 1;       acc[at(0, 3)] = 3;
  w[at(1, 0)] = 0.1875f; acc[at(1, 0)] = 0.9375f;
  w[at(1, 1)] = 0.5625f; acc[at(1, 1)] = 2.8125f;
  w[at(2, 0)] = 0.0625f; acc[at(2, 0)] = 0.3125f;
  Splat s = uv_splat(img, grid, fg, 1);
  expect_close(s.acc, Tensor::from_vector(acc, {1, 1, 6, 4}), 0, 0, "uv_splat exact acc");
  expect_close(s.w, Tensor::from_vector(w, {1, 1, 6, 4}), 0, 0, "uv_splat exact w");

  std::vector<float> tex(24, 0), M(24, 0);
  for (int i = 0; i < 24; ++i)
    if (w[i] > 0) {
      tex[i] = acc[i] / w[i];  // 2, 3 or 5, and 1.4375 / 0.4375 where two pixels meet
      M[i] = 1;
    }
  Texture t = splat_normalise(s.acc, s.w);
  expect_close(t.tex, Tensor::from_vector(tex, {1, 1, 6, 4}), 0, 0, "splat_normalise exact tex");
  expect_close(t.M, Tensor::from_vector(M, {1, 1, 6, 4}), 0, 0, "splat_normalise exact M");

  // Backward with cotangent 1 everywhere: each foreground pixel gets the sum of its weights (1), background 0.
  Tensor il = img.clone().detach().set_requires_grad(true);
  uv_splat(il, grid, fg, 1).acc.backward(Tensor::ones({1, 1, 6, 4}));
  expect_close(il.grad(), Tensor::from_vector(std::vector<float>{1, 1, 0, 1}, {1, 1, 1, 4}), 0, 0,
               "uv_splat exact dimg");
}

TEST_CASE("ops/uv_splat/adjoint of grid_sample") {
  // <uv_splat(img), atlas> == <grid_sample(atlas) * fg, img>, and w is the splat of an all-ones image.
  const int64_t S = 3, N = 2, C = 3, H = 7, W = 6;
  Tensor img = rand_leaf({N, C, H, W}, 21).detach();
  Tensor grid = rand_leaf({N, H, W, 2}, 22, -1.1, 1.1).detach();
  Tensor fg = random_mask({N, 1, H, W}, 23);
  Tensor atlas = rand_leaf({N, C, 6 * S, 4 * S}, 24).detach();
  Splat s = uv_splat(img, grid, fg, S);
  const double lhs = dot(s.acc, atlas);
  const double rhs = dot(mul(grid_sample(atlas, grid), fg), img);
  CHECK(std::fabs(lhs - rhs) <= 1e-12 * (std::fabs(lhs) + 1));
  Splat ones = uv_splat(Tensor::ones({N, 1, H, W}, DType::F64), grid, fg, S);
  expect_close(s.w, ones.acc, 0, 0, "w == splat of ones");
}

TEST_CASE("gradcheck/uv_splat") {
  const int64_t S = 2, H = 6, W = 5;
  Tensor img = rand_leaf({2, 3, H, W}, 31);
  Tensor grid = rand_leaf({2, H, W, 2}, 32, -1.05, 1.05).detach();
  Tensor fg = random_mask({2, 1, H, W}, 33);
  gradcheck([&](const std::vector<Tensor>& in) { return uv_splat(in[0], grid, fg, S).acc; }, {img}, "uv_splat");
}

TEST_CASE("gradcheck/splat_normalise") {
  // w from a real splat (texels with one, several or no contributions) plus a few set below the threshold.
  const int64_t S = 2, H = 9, W = 8;
  Tensor grid = rand_leaf({2, H, W, 2}, 41, -1.0, 1.0).detach();
  Tensor fg = random_mask({2, 1, H, W}, 42);
  Tensor w = uv_splat(Tensor::ones({2, 1, H, W}, DType::F64), grid, fg, S).acc;
  double* pw = w.data<double>();
  pw[3] = 5e-5;
  pw[10] = 2e-4;
  pw[50] = 0;
  Tensor acc = rand_leaf({2, 3, 6 * S, 4 * S}, 43);
  // atol 1e-5: tex = acc / w reaches 5e3 where w = 2e-4, so the finite-difference sums carry values ~1e4
  // and their rounding error is ~1e-16 * 1e4 / 1e-6 = 1e-6 (the gradient there is 5e3).
  gradcheck([w](const std::vector<Tensor>& in) { return splat_normalise(in[0], w).tex; }, {acc}, "splat_normalise",
            1e-5, 1e-5);
  // img -> tex end to end (the golden uv_splat_normalise VJP).
  Tensor img = rand_leaf({2, 3, H, W}, 44);
  gradcheck(
      [&](const std::vector<Tensor>& in) {
        Splat s = uv_splat(in[0], grid, fg, S);
        return splat_normalise(s.acc, s.w).tex;
      },
      {img}, "uv_splat + splat_normalise", 1e-5, 1e-5);
}

TEST_CASE("ops/uv_splat/deterministic across thread counts") {
  const int64_t S = 16, H = 64, W = 48;
  Tensor img = rand_leaf({2, 3, H, W}, 51);
  Tensor grid = rand_leaf({2, H, W, 2}, 52, -1.0, 1.0).detach();
  Tensor fg = random_mask({2, 1, H, W}, 53, 0.9);
  Tensor cot = rand_leaf({2, 3, 6 * S, 4 * S}, 54).detach();
  const int saved = num_threads();
  std::vector<std::vector<double>> results;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    img.zero_grad();
    Splat s = uv_splat(img, grid, fg, S);
    Texture t = splat_normalise(s.acc, s.w);
    t.tex.backward(cot);
    std::vector<double> r = t.tex.to_vector(), w = s.w.to_vector(), g = img.grad().to_vector();
    r.insert(r.end(), w.begin(), w.end());
    r.insert(r.end(), g.begin(), g.end());
    results.push_back(r);
  }
  set_num_threads(saved);
  CHECK(results[0] == results[1]);
  CHECK(results[0] == results[2]);
}

TEST_CASE("ops/uv_splat/errors") {
  Tensor img = Tensor::zeros({1, 3, 4, 5}), grid = Tensor::zeros({1, 4, 5, 2}), fg = Tensor::zeros({1, 1, 4, 5});
  CHECK_ERROR(uv_splat(img, Tensor::zeros({1, 5, 4, 2}), fg, 2), "uv_splat", "[1, 4, 5, 2]", "got [1, 5, 4, 2]");
  CHECK_ERROR(uv_splat(img, grid, Tensor::zeros({1, 3, 4, 5}), 2), "uv_splat", "fg must be", "got [1, 3, 4, 5]");
  CHECK_ERROR(uv_splat(img, grid, fg, 0), "uv_splat", "tile size S must be >= 1, got 0");
  CHECK_ERROR(uv_splat(img, grid.to(DType::F64), fg, 2), "uv_splat", "float32, float64, float32");
  Splat s = uv_splat(img, grid, fg, 2);
  CHECK(s.acc.shape() == Shape({1, 3, 12, 8}));
  CHECK(s.w.shape() == Shape({1, 1, 12, 8}));
  CHECK_ERROR(splat_normalise(s.acc, Tensor::zeros({1, 1, 12, 9})), "splat_normalise", "got [1, 1, 12, 9]");
  CHECK_ERROR(splat_normalise(s.acc, s.acc), "splat_normalise", "acc [1, 3, 12, 8], got [1, 3, 12, 8]");
}

TEST_CASE("golden/uv_splat") {
  const int64_t S = 4;  // the iuv case's S (atlas 24 x 16)
  Tensor img = golden("ops.safetensors", "uv_splat.img").set_requires_grad(true);
  Splat s = uv_splat(img, golden("ops.safetensors", "uv_splat.grid"), golden("ops.safetensors", "uv_splat.fg"), S);
  expect_golden(s.acc, golden("ops.safetensors", "uv_splat.acc"), 1e-4, "uv_splat.acc");
  expect_golden(s.w, golden("ops.safetensors", "uv_splat.w"), 1e-4, "uv_splat.w");
  s.acc.backward(golden("ops.safetensors", "uv_splat.dacc"));
  expect_golden(img.grad(), golden("ops.safetensors", "uv_splat.dimg"), 1e-4, "uv_splat.dimg");
}

TEST_CASE("golden/uv_splat_normalise") {
  const int64_t S = 4;
  Tensor img = golden("ops.safetensors", "uv_splat_normalise.img").set_requires_grad(true);
  Splat s = uv_splat(img, golden("ops.safetensors", "uv_splat_normalise.grid"),
                     golden("ops.safetensors", "uv_splat_normalise.fg"), S);
  Texture t = splat_normalise(s.acc, s.w);
  expect_golden(t.tex, golden("ops.safetensors", "uv_splat_normalise.tex"), 1e-4, "uv_splat_normalise.tex");
  expect_golden(t.M, golden("ops.safetensors", "uv_splat_normalise.M"), 0, "uv_splat_normalise.M");
  t.tex.backward(golden("ops.safetensors", "uv_splat_normalise.dtex"));
  expect_golden(img.grad(), golden("ops.safetensors", "uv_splat_normalise.dimg"), 1e-4, "uv_splat_normalise.dimg");
}

TEST_CASE("golden/png_cases/warp") {
  // The PNG path after decoding: from case{k}.iuv and case{k}.x (S = 8) to enc, grid, fg, tex, M, y_rec.
  const std::string f = "png_cases.safetensors";
  const int64_t S = std::stoll(test::golden_metadata(f).at("S"));
  CHECK(S == 8);
  for (int k = 0; k < 3; ++k) {
    const std::string c = "case" + std::to_string(k) + ".";
    Tensor iuv = golden(f, c + "iuv"), x = golden(f, c + "x");
    expect_golden(encode_iuv(iuv), golden(f, c + "enc"), 1e-6, c + "enc");
    UVGrid g = iuv_to_grid(iuv, S);
    expect_golden(g.grid, golden(f, c + "grid"), 1e-6, c + "grid");
    expect_golden(g.fg, golden(f, c + "fg"), 0, c + "fg");
    Splat s = uv_splat(x, g.grid, g.fg, S);
    Texture t = splat_normalise(s.acc, s.w);
    expect_golden(t.tex, golden(f, c + "tex"), 1e-5, c + "tex");
    expect_golden(t.M, golden(f, c + "M"), 0, c + "M");
    expect_golden(mul(grid_sample(t.tex, g.grid), g.fg), golden(f, c + "y_rec"), 1e-5, c + "y_rec");
  }
}

}  // namespace
}  // namespace dpt
