// Tests of the atlas ops: tile / untile layout by hand and round trips, gradient checks, iuv_to_grid and
// encode_iuv on hand-computed pixels, argument errors, and the golden cases.
#include <doctest/doctest.h>

#include <vector>

#include "core/autograd.h"
#include "ops/atlas.h"
#include "tests/test_util.h"

namespace dpt {
namespace {

using test::expect_close;
using test::expect_golden;
using test::golden;
using test::gradcheck;
using test::rand_leaf;

TEST_CASE("ops/atlas/untile layout") {
  // Texel value encodes (n, c, Y, X); part p0 = col * 6 + row must own channels p0*C .. p0*C+C-1.
  const int64_t N = 2, C = 2, S = 3;
  std::vector<double> a(N * C * 6 * S * 4 * S);
  auto code = [](int64_t n, int64_t c, int64_t Y, int64_t X) { return ((n * 10 + c) * 100 + Y) * 100 + X; };
  for (int64_t n = 0, i = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t Y = 0; Y < 6 * S; ++Y)
        for (int64_t X = 0; X < 4 * S; ++X) a[i++] = static_cast<double>(code(n, c, Y, X));
  Tensor atlas = Tensor::from_vector(a, {N, C, 6 * S, 4 * S});
  Tensor parts = untile(atlas);
  REQUIRE(parts.shape() == Shape({N, 24 * C, S, S}));
  std::vector<double> p = parts.to_vector();
  int64_t bad = 0;
  for (int64_t n = 0, i = 0; n < N; ++n)
    for (int64_t p0 = 0; p0 < 24; ++p0)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t y = 0; y < S; ++y)
          for (int64_t x = 0; x < S; ++x, ++i) {
            const int64_t col = p0 / 6, row = p0 % 6;
            if (p[i] != static_cast<double>(code(n, c, row * S + y, col * S + x))) ++bad;
          }
  CHECK(bad == 0);
  expect_close(tile(parts), atlas, 0, 0, "tile(untile(atlas)) == atlas");
  Tensor q = rand_leaf({N, 24 * C, S, S}, 5).detach();
  expect_close(untile(tile(q)), q, 0, 0, "untile(tile(parts)) == parts");
}

TEST_CASE("gradcheck/untile") {
  Tensor atlas = rand_leaf({2, 2, 12, 8}, 61);
  gradcheck([](const std::vector<Tensor>& in) { return untile(in[0]); }, {atlas}, "untile");
}

TEST_CASE("gradcheck/tile") {
  Tensor parts = rand_leaf({2, 48, 2, 2}, 62);
  gradcheck([](const std::vector<Tensor>& in) { return tile(in[0]); }, {parts}, "tile");
}

TEST_CASE("ops/atlas/iuv_to_grid and encode_iuv by hand") {
  // S = 3: atlas 18 x 12, gx = 2x/11 - 1, gy = 2y/17 - 1. Pixels (I, U, V):
  //  (0, 0.5, 0.25) background -> grid (-2, -2), fg 0, enc (-1, -1, -1)
  //  (1, 0, 1)   part 0 at tile (row 0, col 0): x = 0, y = 0 -> (-1, -1)
  //  (24, 1, 0)  part 23 at (row 5, col 3): x = 9 + 2 = 11, y = 15 + 2 = 17 -> (1, 1)
  //  (7, 0.5, 0.5) part 6 at (row 0, col 1): x = 3 + 1 = 4, y = 1 -> (8/11 - 1, 2/17 - 1)
  //  (12, 0.25, 0.75) part 11 at (row 5, col 1): x = 3.5, y = 15.5 -> (7/11 - 1, 31/17 - 1)
  const std::vector<double> I = {0, 1, 24, 7, 12}, U = {0.5, 0, 1, 0.5, 0.25}, V = {0.25, 1, 0, 0.5, 0.75};
  std::vector<double> iuv = I;
  iuv.insert(iuv.end(), U.begin(), U.end());
  iuv.insert(iuv.end(), V.begin(), V.end());
  Tensor t = Tensor::from_vector(iuv, {1, 3, 1, 5});
  UVGrid g = iuv_to_grid(t, 3);
  expect_close(g.grid,
               Tensor::from_vector(std::vector<double>{-2, -2, -1, -1, 1, 1, 8.0 / 11 - 1, 2.0 / 17 - 1, 7.0 / 11 - 1,
                                                       31.0 / 17 - 1},
                                   {1, 1, 5, 2}),
               1e-15, 0, "iuv_to_grid grid");
  expect_close(g.fg, Tensor::from_vector(std::vector<double>{0, 1, 1, 1, 1}, {1, 1, 1, 5}), 0, 0, "iuv_to_grid fg");

  std::vector<double> e;
  for (double i : I) e.push_back(i / 24 * 2 - 1);
  for (size_t k = 0; k < I.size(); ++k) e.push_back(I[k] > 0 ? U[k] * 2 - 1 : -1);
  for (size_t k = 0; k < I.size(); ++k) e.push_back(I[k] > 0 ? V[k] * 2 - 1 : -1);
  expect_close(encode_iuv(t), Tensor::from_vector(e, {1, 3, 1, 5}), 1e-15, 0, "encode_iuv");

  std::vector<double> oh(26 * 5, 0);
  for (size_t k = 0; k < I.size(); ++k) {
    if (I[k] > 0) oh[(static_cast<size_t>(I[k]) - 1) * 5 + k] = 1;
    oh[24 * 5 + k] = e[5 + k];
    oh[25 * 5 + k] = e[10 + k];
  }
  expect_close(encode_iuv(t, true), Tensor::from_vector(oh, {1, 26, 1, 5}), 1e-15, 0, "encode_iuv onehot");
}

TEST_CASE("ops/atlas/grid round trip through grid_sample coordinates") {
  // Every (part, u, v) lands inside its own tile: un-normalising the grid gives back the atlas pixel.
  const int64_t S = 5;
  for (int64_t p0 = 0; p0 < 24; ++p0) {
    double gx = 0, gy = 0;
    CHECK(iuv_grid_point<double>(p0 + 1, 0.3, 0.6, S, &gx, &gy));
    const double x = grid_unnormalize(gx, 4 * S), y = grid_unnormalize(gy, 6 * S);
    CHECK(x == doctest::Approx(part_tile_col(p0) * S + 0.3 * (S - 1)).epsilon(1e-12));
    CHECK(y == doctest::Approx(part_tile_row(p0) * S + 0.4 * (S - 1)).epsilon(1e-12));
  }
}

TEST_CASE("ops/atlas/errors") {
  // 6S x 4S with S = 2 would be 12 x 8
  CHECK_ERROR(untile(Tensor::zeros({1, 3, 12, 12})), "untile", "[N, C, 6S, 4S]", "[1, 3, 12, 12]");
  CHECK_ERROR(untile(Tensor::zeros({3, 12, 8})), "untile", "got [3, 12, 8]");
  CHECK_ERROR(tile(Tensor::zeros({1, 25, 2, 2})), "tile", "[N, 24C, S, S]", "[1, 25, 2, 2]");
  CHECK_ERROR(tile(Tensor::zeros({1, 24, 2, 3})), "tile", "got [1, 24, 2, 3]");
  CHECK_ERROR(iuv_to_grid(Tensor::zeros({1, 2, 4, 4}), 4), "iuv_to_grid", "got [1, 2, 4, 4]");
  CHECK_ERROR(iuv_to_grid(Tensor::zeros({1, 3, 4, 4}), 0), "iuv_to_grid", "tile size S must be >= 1, got 0");
  CHECK_ERROR(encode_iuv(Tensor::zeros({1, 4, 4, 4})), "encode_iuv", "[N, 3, H, W]", "[1, 4, 4, 4]");
}

TEST_CASE("golden/iuv") {
  const int64_t S = 4;
  Tensor iuv = golden("ops.safetensors", "iuv.iuv");
  expect_golden(encode_iuv(iuv), golden("ops.safetensors", "iuv.enc"), 1e-5, "iuv.enc");
  expect_golden(encode_iuv(iuv, true), golden("ops.safetensors", "iuv.enc_onehot"), 1e-5, "iuv.enc_onehot");
  UVGrid g = iuv_to_grid(iuv, S);
  expect_golden(g.grid, golden("ops.safetensors", "iuv.grid"), 1e-5, "iuv.grid");
  expect_golden(g.fg, golden("ops.safetensors", "iuv.fg"), 0, "iuv.fg");
}

TEST_CASE("golden/untile") {
  Tensor x = golden("ops.safetensors", "untile.x").set_requires_grad(true);
  Tensor out = untile(x);
  expect_golden(out, golden("ops.safetensors", "untile.out"), 0, "untile.out");
  out.backward(golden("ops.safetensors", "untile.dout"));
  expect_golden(x.grad(), golden("ops.safetensors", "untile.dx"), 0, "untile.dx");
}

TEST_CASE("golden/tile") {
  Tensor x = golden("ops.safetensors", "tile.x").set_requires_grad(true);
  Tensor out = tile(x);
  expect_golden(out, golden("ops.safetensors", "tile.out"), 0, "tile.out");
  out.backward(golden("ops.safetensors", "tile.dout"));
  expect_golden(x.grad(), golden("ops.safetensors", "tile.dx"), 0, "tile.dx");
}

}  // namespace
}  // namespace dpt
