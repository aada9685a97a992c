// interpolate (ops/interpolate.h, Note [interpolate]): golden parity with every nearest_* and bilinear_*
// case of the SCA-GAN file, hand-derived integer cases (non-integer scales up and down), float64
// gradient checks, and argument errors.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ops/interpolate.h"
#include "tests/sca_golden_ops.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {
const char* const kNearestCases[] = {"nearest_2x2_to_4x3", "nearest_2x2_to_16x12", "nearest_64x48_to_4x3",
                                     "nearest_8x6_to_16x11", "nearest_16x11_to_128x88"};
const char* const kBilinearCases[] = {"bilinear_2x2_to_4x3", "bilinear_4x3_to_8x6", "bilinear_8x6_to_16x11",
                                      "bilinear_16x11_to_32x22"};

// The case's output size from its reference output.
GoldenOpFn resize_to(const std::string& name, InterpMode mode) {
  const Tensor ref = golden(kScaOps, name + ".out");
  const int64_t h = ref.size(2), w = ref.size(3);
  return [h, w, mode](const std::map<std::string, Tensor>& in) { return interpolate(in.at("x"), h, w, mode); };
}

Tensor row(const std::vector<double>& v) { return Tensor::from_vector(v, {1, 1, 1, static_cast<int64_t>(v.size())}); }
}  // namespace

TEST_CASE("golden/interpolate_nearest") {
  // Outputs exact (a copy of source pixels); input gradients sums of cotangents (README: 1e-5).
  for (const char* name : kNearestCases)
    sca_golden_case(name, {"x"}, {"x"}, resize_to(name, InterpMode::Nearest), 0.0, 1e-5);
  // x holds the pixel index, so the output lists the source pixels it selected.
  sca_golden_case("nearest_256x176_to_8x6", {"x"}, {}, resize_to("nearest_256x176_to_8x6", InterpMode::Nearest), 0.0,
                  0.0);
}

TEST_CASE("golden/interpolate_bilinear") {
  for (const char* name : kBilinearCases)
    sca_golden_case(name, {"x"}, {"x"}, resize_to(name, InterpMode::Bilinear), 1e-5, 1e-5);
}

TEST_CASE("golden/interpolate: hand-derived integer cases") {
  // nearest 3 -> 5: sources floor(5i... ) = floor(3i/5) = 0, 0, 1, 1, 2; the gradient sums per source.
  Tensor x = row({10, 20, 30}).set_requires_grad(true);
  Tensor y = interpolate(x, 1, 5, InterpMode::Nearest);
  expect_golden(y, row({10, 10, 20, 20, 30}), 0, "nearest 3->5");
  y.backward(row({1, 2, 4, 8, 16}));
  expect_golden(x.grad(), row({3, 12, 16}), 0, "nearest 3->5 dx");
  // nearest 6 -> 11 (the paper's 8x6 -> 16x11 width): floor(6i/11) for i = 0..10.
  expect_golden(interpolate(row({0, 1, 2, 3, 4, 5}), 1, 11, InterpMode::Nearest),
                row({0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5}), 0, "nearest 6->11");
  // nearest 5 -> 2 (downscale): floor(5i/2) = 0, 2; sources 1, 3, 4 get no gradient.
  Tensor d = row({1, 2, 3, 4, 5}).set_requires_grad(true);
  Tensor yd = interpolate(d, 1, 2, InterpMode::Nearest);
  expect_golden(yd, row({1, 3}), 0, "nearest 5->2");
  yd.backward(row({7, 9}));
  expect_golden(d.grad(), row({7, 0, 9, 0, 0}), 0, "nearest 5->2 dx");
  // bilinear 2 -> 4: sources max(-0.25, 0) = 0, 0.25, 0.75, 1.25 (upper tap clamped): [0, 0.25, 0.75, 1] of [0, 4]
  // scaled by 4 -> [0, 1, 3, 4]; gradient of source 0 = 1 + 0.75 + 0.25 = 2, source 1 = 0.25 + 0.75 + 1 = 2.
  Tensor b = row({0, 4}).set_requires_grad(true);
  Tensor yb = interpolate(b, 1, 4, InterpMode::Bilinear);
  expect_golden(yb, row({0, 1, 3, 4}), 0, "bilinear 2->4");
  yb.backward(row({1, 1, 1, 1}));
  expect_golden(b.grad(), row({2, 2}), 0, "bilinear 2->4 dx");
  // bilinear 4 -> 2 (no low-pass): sources 0.5, 2.5.
  expect_golden(interpolate(row({0, 8, 16, 24}), 1, 2, InterpMode::Bilinear), row({4, 20}), 0, "bilinear 4->2");
  // 2x2 -> 3x3: the centre (source 0.5, 0.5) is the mean of the four.
  const std::vector<double> c = interpolate(Tensor::from_vector(std::vector<double>{0, 4, 8, 12}, {1, 1, 2, 2}), 3, 3,
                                            InterpMode::Bilinear).to_vector();
  CHECK(c[4] == 6.0);
  // The same size is the identity in both modes.
  const Tensor r = rand_leaf({2, 3, 5, 7}, 5).detach();
  for (InterpMode m : {InterpMode::Nearest, InterpMode::Bilinear})
    expect_golden(interpolate(r, 5, 7, m), r, 0, std::string("identity ") + interp_mode_name(m));
}

TEST_CASE("gradcheck/interpolate") {
  const int64_t sizes[][4] = {{4, 3, 8, 6}, {6, 11, 11, 22}, {3, 6, 6, 11}, {7, 5, 3, 2}, {5, 8, 9, 3}};
  for (const auto& s : sizes)
    for (InterpMode m : {InterpMode::Nearest, InterpMode::Bilinear}) {
      const int64_t oh = s[2], ow = s[3];
      gradcheck([oh, ow, m](const std::vector<Tensor>& in) { return interpolate(in[0], oh, ow, m); },
                {rand_leaf({2, 2, s[0], s[1]}, 61)},
                std::string(interp_mode_name(m)) + " " + std::to_string(s[0]) + "x" + std::to_string(s[1]) + " -> " +
                    std::to_string(oh) + "x" + std::to_string(ow));
    }
}

TEST_CASE("ops/interpolate/errors name the op and the shapes") {
  CHECK(contains(error_of([] { interpolate(Tensor::zeros({2, 4, 4}), 8, 8, InterpMode::Bilinear); }),
                 "interpolate (bilinear): x must be [N, C, H, W], got [2, 4, 4]"));
  CHECK(contains(error_of([] { interpolate(Tensor::zeros({1, 2, 4, 4}), 0, 8, InterpMode::Nearest); }),
                 "interpolate (nearest): output size 0x8 must be >= 1 (x [1, 2, 4, 4])"));
}
