// Losses (section 5) and the Adam update: gradient checks and golden cases.
#include <doctest/doctest.h>

#include "ops/adam.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

TEST_CASE("gradcheck/l1_mse_loss") {
  gradcheck([](const std::vector<Tensor>& x) { return l1_loss(x[0], x[1]); },
            {rand_leaf({2, 3, 4}, 41), rand_leaf({2, 3, 4}, 42)}, "l1_loss");
  gradcheck([](const std::vector<Tensor>& x) { return mse_loss(x[0], x[1]); },
            {rand_leaf({2, 3, 4}, 43), rand_leaf({2, 3, 4}, 44)}, "mse_loss");
}

TEST_CASE("gradcheck/lsgan") {
  gradcheck([](const std::vector<Tensor>& x) { return lsgan_d_loss(x[0], x[1]); },
            {rand_leaf({2, 1, 3, 3}, 45), rand_leaf({2, 1, 3, 3}, 46)}, "lsgan_d_loss");
  gradcheck([](const std::vector<Tensor>& x) { return lsgan_g_loss(x[0]); }, {rand_leaf({2, 1, 3, 3}, 47)},
            "lsgan_g_loss");
}

TEST_CASE("gradcheck/masked_l1") {
  Tensor M = Tensor::from_vector(std::vector<double>{1, 0, 1, 1, 0, 1, 1, 0}, {2, 1, 2, 2});
  Tensor tex = rand_leaf({2, 3, 2, 2}, 48);
  tex.set_requires_grad(false);
  gradcheck([&](const std::vector<Tensor>& x) { return inpainting_loss(x[0], {tex, tex * 0.5}, {M, M}); },
            {rand_leaf({2, 3, 2, 2}, 49)}, "inpainting_loss");
}

TEST_CASE("gradcheck/style_term") {
  gradcheck([](const std::vector<Tensor>& x) { return style_term(x[0], x[1]); },
            {rand_leaf({2, 3, 2, 3}, 50), rand_leaf({2, 3, 2, 3}, 51)}, "style_term");
}

TEST_CASE("golden/losses") {
  golden_op_case("l1_loss", {"a", "b"}, {"a", "b"}, [](const auto& in) { return l1_loss(in.at("a"), in.at("b")); },
                 1e-5);
  golden_op_case("mse_loss", {"a", "b"}, {"a", "b"}, [](const auto& in) { return mse_loss(in.at("a"), in.at("b")); },
                 1e-5);
  golden_op_case("lsgan_d_loss", {"d_real", "d_fake"}, {"d_real", "d_fake"},
                 [](const auto& in) { return lsgan_d_loss(in.at("d_real"), in.at("d_fake")); }, 1e-5);
  golden_op_case("lsgan_g_loss", {"d_fake"}, {"d_fake"},
                 [](const auto& in) { return lsgan_g_loss(in.at("d_fake")); }, 1e-5);
  golden_op_case("style_term", {"f_hat", "f"}, {"f_hat"},
                 [](const auto& in) { return style_term(in.at("f_hat"), in.at("f")); }, 1e-5);
  golden_op_case("inpainting_loss", {"tex_hat", "texs", "Ms"}, {"tex_hat"},
                 [](const auto& in) {
                   const Tensor &texs = in.at("texs"), &Ms = in.at("Ms");
                   std::vector<Tensor> t, m;
                   for (int64_t b = 0; b < texs.size(0); ++b) {
                     t.push_back(texs.select(0, b));
                     m.push_back(Ms.select(0, b));
                   }
                   return inpainting_loss(in.at("tex_hat"), t, m);
                 },
                 1e-5);
}

TEST_CASE("golden/adam") {
  for (const char* c : {"a", "b", "zero_grad", "large_grad", "tiny_grad"}) {
    std::string k = c;
    Tensor p = golden("adam.safetensors", k + ".p0");
    Tensor m = Tensor::zeros_like(p), v = Tensor::zeros_like(p);
    for (int t = 1; t <= 2; ++t) {
      Tensor g = golden("adam.safetensors", k + ".g" + std::to_string(t));
      adam_update_(p, g, m, v, t, AdamHyper{});
      std::string s = std::to_string(t);
      expect_golden(m, golden("adam.safetensors", k + ".m" + s), 1e-6, k + ".m" + s);
      expect_golden(v, golden("adam.safetensors", k + ".v" + s), 1e-6, k + ".v" + s);
      expect_golden(p, golden("adam.safetensors", k + ".p" + s), 1e-6, k + ".p" + s);
    }
  }
}
