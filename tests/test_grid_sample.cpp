// Tests of grid_sample: hand-computed values, float64 gradient checks (x and grid, points outside the
// image), thread-count independence of the scatter, argument errors, and the golden case.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/autograd.h"
#include "core/threading.h"
#include "ops/grid_sample.h"
#include "tests/test_util.h"

namespace dpt {
namespace {

using test::expect_close;
using test::expect_golden;
using test::golden;
using test::gradcheck;
using test::rand_leaf;

// Moves every grid coordinate at least 0.05 pixel away from integer pixel positions, where bilinear
// interpolation is not differentiable (grid [N, Ho, Wo, 2] float64, sampling an Hi x Wi image).
void away_from_integers(Tensor& grid, int64_t Hi, int64_t Wi) {
  double* p = grid.data<double>();
  for (int64_t i = 0; i < grid.numel(); ++i) {
    const int64_t size = i % 2 == 0 ? Wi : Hi;
    double x = (p[i] + 1) / 2 * (size - 1);
    const double f = x - std::floor(x);
    if (f < 0.05) x += 0.1;
    if (f > 0.95) x -= 0.1;
    p[i] = 2 * x / (size - 1) - 1;
  }
}

void set_point(Tensor& grid, int64_t n, int64_t i, int64_t j, double gx, double gy) {
  double* p = grid.data<double>();
  const int64_t Ho = grid.size(1), Wo = grid.size(2);
  p[((n * Ho + i) * Wo + j) * 2] = gx;
  p[((n * Ho + i) * Wo + j) * 2 + 1] = gy;
}

TEST_CASE("ops/grid_sample/exact") {
  // x = [[1, 2, 3], [4, 5, 6]] (Hi = 2, Wi = 3): pixel x = (gx + 1), y = (gy + 1) / 2.
  Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {1, 1, 2, 3});
  // (gx, gy) -> expected value
  const std::vector<std::vector<float>> pts = {
      {-1, -1, 1},      // corner (0, 0)
      {1, 1, 6},        // corner (2, 1)
      {0, 0, 3.5f},     // (1, 0.5): (2 + 5) / 2
      {-1, 0, 2.5f},    // (0, 0.5): (1 + 4) / 2
      {0.5f, -1, 2.5f}, // (1.5, 0): (2 + 3) / 2
      {2, 0, 0},        // (3, 0.5): outside
      {-1.5f, -1, 0.5f},// (-0.5, 0): half outside, 0.5 * 1
      {1, 1.5f, 4.5f},  // (2, 1.25): 0.75 * 6, the row below is outside
      {-2, -2, 0},      // background point
  };
  std::vector<float> g, want;
  for (const auto& p : pts) {
    g.push_back(p[0]);
    g.push_back(p[1]);
    want.push_back(p[2]);
  }
  const int64_t P = static_cast<int64_t>(pts.size());
  Tensor grid = Tensor::from_vector(g, {1, 1, P, 2});
  Tensor out = grid_sample(x, grid);
  expect_close(out, Tensor::from_vector(want, {1, 1, 1, P}), 0, 0, "grid_sample exact values");

  // Backward of the single point (0, 0) = pixel (1, 0.5) with cotangent 1: x gets 0.5 at (0,1) and (1,1);
  // d out / d gx = (x(2) - x(1)) interpolated over rows = 1 per pixel, times (Wi - 1) / 2 = 1;
  // d out / d gy = (row 1 - row 0) = 3 per pixel, times (Hi - 1) / 2 = 0.5 -> 1.5.
  Tensor xl = x.clone().detach().set_requires_grad(true);
  Tensor gl = Tensor::from_vector(std::vector<float>{0, 0}, {1, 1, 1, 2}).set_requires_grad(true);
  grid_sample(xl, gl).backward(Tensor::ones({1, 1, 1, 1}));
  expect_close(xl.grad(), Tensor::from_vector(std::vector<float>{0, 0.5f, 0, 0, 0.5f, 0}, {1, 1, 2, 3}), 0, 0,
               "grid_sample exact dx");
  expect_close(gl.grad(), Tensor::from_vector(std::vector<float>{1, 1.5f}, {1, 1, 1, 2}), 0, 0,
               "grid_sample exact dgrid");
}

TEST_CASE("gradcheck/grid_sample") {
  const int64_t Hi = 5, Wi = 6;
  Tensor x = rand_leaf({2, 3, Hi, Wi}, 101);
  Tensor grid = rand_leaf({2, 4, 5, 2}, 102, -1.4, 1.4);  // some points fall outside [-1, 1]
  away_from_integers(grid, Hi, Wi);
  set_point(grid, 0, 0, 0, 2.5, 0.3);    // entirely outside: no value, no gradient
  set_point(grid, 0, 0, 1, -1.1, 0.2);   // pixel x = -0.25: half outside
  set_point(grid, 1, 3, 4, 0.37, 1.1);   // pixel y = 4.2: the lower corners are outside
  set_point(grid, 1, 2, 2, -1.3, -1.3);  // pixel (-0.75, -0.6): only corner (0, 0) inside
  gradcheck([](const std::vector<Tensor>& in) { return grid_sample(in[0], in[1]); }, {x, grid}, "grid_sample");
  // Gradient to one input only (the other is data).
  Tensor xd = x.detach(), gd = grid.detach();
  gradcheck([gd](const std::vector<Tensor>& in) { return grid_sample(in[0], gd); }, {x}, "grid_sample dx only");
  gradcheck([xd](const std::vector<Tensor>& in) { return grid_sample(xd, in[0]); }, {grid}, "grid_sample dgrid only");
}

TEST_CASE("ops/grid_sample/deterministic across thread counts") {
  Tensor x = rand_leaf({2, 3, 40, 30}, 7);
  Tensor grid = rand_leaf({2, 33, 35, 2}, 8, -1.1, 1.1);
  Tensor cot = rand_leaf({2, 3, 33, 35}, 9).detach();
  const int saved = num_threads();
  std::vector<std::vector<double>> results;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    x.zero_grad();
    grid.zero_grad();
    Tensor out = grid_sample(x, grid);
    out.backward(cot);
    std::vector<double> r = out.to_vector(), dx = x.grad().to_vector(), dg = grid.grad().to_vector();
    r.insert(r.end(), dx.begin(), dx.end());
    r.insert(r.end(), dg.begin(), dg.end());
    results.push_back(r);
  }
  set_num_threads(saved);
  CHECK(results[0] == results[1]);
  CHECK(results[0] == results[2]);
}

TEST_CASE("ops/grid_sample/errors") {
  Tensor x = Tensor::zeros({1, 2, 4, 4}), grid = Tensor::zeros({1, 3, 3, 2});
  CHECK_ERROR(grid_sample(Tensor::zeros({2, 4, 4}), grid), "grid_sample", "x must be [N, C, Hi, Wi], got [2, 4, 4]");
  CHECK_ERROR(grid_sample(x, Tensor::zeros({1, 3, 3, 3})), "grid_sample", "got [1, 3, 3, 3] (x [1, 2, 4, 4])");
  CHECK_ERROR(grid_sample(x, Tensor::zeros({2, 3, 3, 2})), "grid_sample", "got [2, 3, 3, 2] (x [1, 2, 4, 4])");
  CHECK_ERROR(grid_sample(x, Tensor::zeros({1, 3, 3, 2}, DType::F64)), "grid_sample", "x is float32, grid is float64");
  CHECK(grid_sample(x, grid).shape() == Shape({1, 2, 3, 3}));
}

TEST_CASE("golden/grid_sample") {
  Tensor x = golden("ops.safetensors", "grid_sample.x").set_requires_grad(true);
  Tensor grid = golden("ops.safetensors", "grid_sample.grid").set_requires_grad(true);
  Tensor out = grid_sample(x, grid);
  expect_golden(out, golden("ops.safetensors", "grid_sample.out"), 1e-5, "grid_sample.out");
  out.backward(golden("ops.safetensors", "grid_sample.dout"));
  expect_golden(x.grad(), golden("ops.safetensors", "grid_sample.dx"), 1e-5, "grid_sample.dx");
  expect_golden(grid.grad(), golden("ops.safetensors", "grid_sample.dgrid"), 1e-5, "grid_sample.dgrid");
}

}  // namespace
}  // namespace dpt
