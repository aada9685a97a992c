// SCA-GAN ops (docs/sca.md section 2): batch norm, reflection padding, dropout — gradient checks, hand-computed cases,
// golden parity with tests/data/golden/sca/ops.safetensors — and the SCA loss cases of existing ops (L1,
// LSGAN terms). The SCA conv cases are golden/conv2d_sca in tests/test_conv.cpp.
#include <doctest/doctest.h>

#include <cmath>

#include "core/autograd.h"
#include "core/rng.h"
#include "ops/batch_norm.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/pad.h"
#include "tests/sca_golden_ops.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

// ---------------------------------------------------------------- batch norm

TEST_CASE("gradcheck/batch_norm") {
  Tensor rm = Tensor::from_vector(std::vector<double>{0.1, -0.2, 0.3}, {3});
  Tensor rv = Tensor::from_vector(std::vector<double>{0.5, 1.5, 2.0}, {3});
  for (bool training : {true, false}) {
    auto f = [&](const std::vector<Tensor>& in) {
      Tensor m = rm.clone(), v = rv.clone();  // each evaluation starts from the same buffers
      return batch_norm(in[0], in[1], in[2], m, v, training);
    };
    gradcheck(f, {rand_leaf({2, 3, 4, 3}, 41), rand_leaf({3}, 42, 0.5, 1.5), rand_leaf({3}, 43)},
              training ? "batch_norm train" : "batch_norm eval");
  }
  // A large mean and a small spread (Note [BN numerics]); 3-d input (trailing dims are flattened).
  gradcheck([](const std::vector<Tensor>& in) { return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true); },
            {rand_leaf({3, 2, 5}, 44, 20.0, 20.05), rand_leaf({2}, 45, 0.5, 1.5), rand_leaf({2}, 46)},
            "batch_norm mean 20", 1e-6, 1e-5);
}

TEST_CASE("ops/batch_norm hand-computed statistics and running update") {
  // One channel, values 1..4 (n = 4): mean 2.5, biased var 1.25, unbiased 5/3.
  Tensor x = Tensor::from_vector(std::vector<double>{1, 2, 3, 4}, {2, 1, 2, 1});
  Tensor w = Tensor::full({1}, 2.0, DType::F64), b = Tensor::full({1}, 0.5, DType::F64);
  Tensor rm = Tensor::full({1}, 1.0, DType::F64), rv = Tensor::full({1}, 3.0, DType::F64);
  Tensor y = batch_norm(x, w, b, rm, rv, true, 0.25);
  const double r = 1 / std::sqrt(1.25 + 1e-5);
  std::vector<double> yv = y.to_vector();
  for (int i = 0; i < 4; ++i) CHECK(yv[i] == doctest::Approx((i + 1 - 2.5) * r * 2 + 0.5).epsilon(1e-14));
  CHECK(rm.item() == doctest::Approx(0.75 * 1.0 + 0.25 * 2.5).epsilon(1e-14));
  CHECK(rv.item() == doctest::Approx(0.75 * 3.0 + 0.25 * 5.0 / 3.0).epsilon(1e-14));
  // Eval: the running statistics, unchanged.
  Tensor y2 = batch_norm(x, w, b, rm, rv, false);
  CHECK(y2.to_vector()[0] == doctest::Approx((1 - 1.375) / std::sqrt(rv.item() + 1e-5) * 2 + 0.5).epsilon(1e-14));
  CHECK(rm.item() == doctest::Approx(1.375).epsilon(1e-14));
}

TEST_CASE("ops/batch_norm errors name the op and the shapes") {
  Tensor x = Tensor::zeros({2, 3, 2, 2}), w = Tensor::ones({3}), b = Tensor::zeros({3});
  CHECK(contains(error_of([&] { batch_norm(x, Tensor::ones({4}), b, Tensor(), Tensor(), true); }),
                 "batch_norm: weight must be [3] for x [2, 3, 2, 2], got [4]"));
  CHECK(contains(error_of([&] { batch_norm(x, w, b, Tensor(), Tensor(), false); }),
                 "batch_norm: eval mode needs the running statistics"));
  CHECK(contains(error_of([&] { batch_norm(Tensor::zeros({1, 3, 1, 1}), w, b, Tensor(), Tensor(), true); }),
                 "more than one value per channel"));
}

TEST_CASE("golden/sca/batch_norm_train") {
  // Outputs: out (differentiable) and the updated buffers; tolerance 1e-4 (the golden README).
  std::map<std::string, Tensor> in;
  for (const char* n : {"x", "w", "b", "rm", "rv"}) in[n] = golden(kScaOps, std::string("batch_norm_train.") + n);
  for (const char* n : {"x", "w", "b"}) in[n].set_requires_grad(true);
  Tensor rm = in["rm"].clone(), rv = in["rv"].clone();
  Tensor y = batch_norm(in["x"], in["w"], in["b"], rm, rv, true);
  expect_golden(y, golden(kScaOps, "batch_norm_train.out"), 1e-4, "batch_norm_train.out");
  expect_golden(rm, golden(kScaOps, "batch_norm_train.running_mean"), 1e-4, "batch_norm_train.running_mean");
  expect_golden(rv, golden(kScaOps, "batch_norm_train.running_var"), 1e-4, "batch_norm_train.running_var");
  y.backward(golden(kScaOps, "batch_norm_train.dout"));
  expect_golden(in["x"].grad(), golden(kScaOps, "batch_norm_train.dx"), 1e-4, "batch_norm_train.dx");
  expect_golden(in["w"].grad(), golden(kScaOps, "batch_norm_train.dw"), 1e-4, "batch_norm_train.dw");
  expect_golden(in["b"].grad(), golden(kScaOps, "batch_norm_train.db"), 1e-4, "batch_norm_train.db");
}

TEST_CASE("golden/sca/batch_norm_eval") {
  sca_golden_case("batch_norm_eval", {"x", "w", "b", "rm", "rv"}, {"x", "w", "b"},
                  [](const auto& in) {
                    Tensor rm = in.at("rm").clone(), rv = in.at("rv").clone();
                    Tensor y = batch_norm(in.at("x"), in.at("w"), in.at("b"), rm, rv, false);
                    expect_golden(rm, in.at("rm"), 0, "eval leaves running_mean");
                    return y;
                  },
                  1e-4, 1e-4);
}

// ---------------------------------------------------------------- reflection padding

TEST_CASE("gradcheck/reflection_pad2d") {
  for (const Pad2d& p : {Pad2d{1, 1, 1, 1}, Pad2d{3, 2, 1, 2}, Pad2d{0, 3, 2, 0}})
    gradcheck([p](const std::vector<Tensor>& in) { return reflection_pad2d(in[0], p); }, {rand_leaf({2, 2, 3, 4}, 51)},
              "reflection_pad2d " + std::to_string(p.left) + std::to_string(p.right) + std::to_string(p.top) +
                  std::to_string(p.bottom));
}

TEST_CASE("ops/reflection_pad2d hand-computed") {
  // Row [1 2 3] padded by 2 on the left, 1 on the right: 3 2 | 1 2 3 | 2 (mirror without the edge).
  Tensor x = Tensor::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {1, 1, 2, 3}).set_requires_grad(true);
  Tensor y = reflection_pad2d(x, Pad2d{2, 1, 1, 0});
  CHECK(y.shape() == Shape{1, 1, 3, 6});
  CHECK(y.to_vector() == std::vector<double>{6, 5, 4, 5, 6, 5,    // top pad = row 1
                                             3, 2, 1, 2, 3, 2,    //
                                             6, 5, 4, 5, 6, 5});  //
  y.backward(Tensor::ones({1, 1, 3, 6}, DType::F64));
  // Outputs reading each input: rows 0 / 1 are read by 1 / 2 output rows, columns 0 / 1 / 2 by 1 / 3 / 2.
  CHECK(x.grad().to_vector() == std::vector<double>{1, 3, 2, 2, 6, 4});
  CHECK(contains(error_of([&] { reflection_pad2d(x, 2); }),
                 "reflection_pad2d: each pad must be smaller than the padded dimension"));
}

TEST_CASE("golden/sca/reflection_pad") {
  for (int p : {1, 3})
    sca_golden_case("reflection_pad" + std::to_string(p), {"x"}, {"x"},
                    [p](const auto& in) { return reflection_pad2d(in.at("x"), p); }, 1e-5, 1e-5);
  // The forward copies values: exact.
  expect_golden(reflection_pad2d(golden(kScaOps, "reflection_pad3.x"), 3), golden(kScaOps, "reflection_pad3.out"), 0,
                "reflection_pad3.out exact");
}

// ---------------------------------------------------------------- dropout

TEST_CASE("gradcheck/dropout") {
  Generator gen(9);
  Tensor mask = dropout_mask({2, 3, 4}, 0.3, gen, DType::F64);
  gradcheck([mask](const std::vector<Tensor>& in) { return dropout_masked(in[0], mask, 0.3); },
            {rand_leaf({2, 3, 4}, 61)}, "dropout_masked");
}

TEST_CASE("ops/dropout seeded masks, eval identity, statistics") {
  Tensor x = Tensor::ones({4, 8, 16, 16});
  Generator g1(5), g2(5), g3(6);
  Tensor a = dropout(x, 0.5, true, g1), b = dropout(x, 0.5, true, g2), c = dropout(x, 0.5, true, g3);
  CHECK(a.to_vector() == b.to_vector());  // same seed, same mask
  CHECK(a.to_vector() != c.to_vector());
  CHECK(g1.offset() == static_cast<uint64_t>(x.numel()));  // one counter per element
  double kept = 0;
  for (double v : a.to_vector()) {
    REQUIRE((v == 0.0 || v == 2.0));  // x (mask / (1 - p))
    kept += v != 0;
  }
  CHECK(kept / x.numel() == doctest::Approx(0.5).epsilon(0.05));  // 8192 draws: 4 sigma is 0.022
  // The mask follows the documented rule: element i is 1 when U(seed, first + i) < 1 - p.
  Generator g6(5);
  g6.advance(3);
  std::vector<double> m = dropout_mask({1000}, 0.3, g6).to_vector();
  for (int i = 0; i < 1000; ++i) REQUIRE(m[i] == (rng_uniform(5, 3 + i) < 0.7 ? 1.0 : 0.0));
  CHECK(g6.offset() == 1003);
  // The draw equals dropout_mask from the same generator state.
  Generator g4(5);
  expect_golden(a, x * dropout_mask(x.shape(), 0.5, g4) * 2.0, 0, "dropout = x mask / (1 - p)");
  // Eval mode and p = 0: identity, no draw.
  Generator g5(5);
  CHECK(dropout(x, 0.5, false, g5).raw_data() == x.raw_data());
  CHECK(dropout(x, 0.0, true, g5).raw_data() == x.raw_data());
  CHECK(g5.offset() == 0);
  CHECK(contains(error_of([&] { dropout(x, 1.0, true, g5); }), "dropout: p must be in [0, 1)"));
  CHECK(contains(error_of([&] { dropout_masked(x, Tensor::ones({4, 8}), 0.5); }), "dropout: mask"));
}

TEST_CASE("golden/sca/dropout_mask") {
  sca_golden_case("dropout_mask", {"x", "mask"}, {"x"},
                  [](const auto& in) { return dropout_masked(in.at("x"), in.at("mask"), 0.5); }, 0.0, 0.0);
}

// ---------------------------------------------------------------- existing ops on the SCA cases

TEST_CASE("golden/sca/losses") {
  sca_golden_case("l1", {"a", "b"}, {"a"}, [](const auto& in) { return l1_loss(in.at("a"), in.at("b")); }, 1e-5, 1e-5);
  // SCA's LSGAN terms: mean((D - 1)^2) and mean(D^2) (no 1/2, unlike DPT's lsgan_g_loss).
  sca_golden_case("lsgan_real", {"pred"}, {"pred"},
                  [](const auto& in) { return mse_loss(in.at("pred"), Tensor::ones(in.at("pred").shape())); }, 1e-5,
                  1e-5);
  sca_golden_case("lsgan_fake", {"pred"}, {"pred"},
                  [](const auto& in) { return mse_loss(in.at("pred"), Tensor::zeros(in.at("pred").shape())); }, 1e-5,
                  1e-5);
}
