// Memory regression guard: the CPU allocator's peak over one training step of a fixed small DPT network
// stays under a recorded bound. Bytes are deterministic (same shapes, same allocation order), unlike
// time, so this can run in CI: a change that keeps more tensors alive or sizes a workspace larger fails
// here. The bounds are the values measured when the test was written plus ~5% headroom; lower them when
// memory falls (the failure message prints the measured peak).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/rng.h"
#include "core/threading.h"
#include "ops/conv2d.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "train/adam.h"
#include "train/dpt_family.h"
#include "train/random_dpt_data.h"

using namespace dpt;

namespace {

// Allocator peak (bytes) over the second training step of `stage` (the first creates Adam's moments and
// fills the caches), at the small configuration (64x64, ngf 32, S 32), batch 2, random VGG19 features.
// recompute: the training option (Note [recompute]; "inpainter": the inpainter's full-resolution level
// is recomputed in backward); params_after (if given) receives every parameter after the second step.
size_t step_peak_bytes(const std::string& stage, const std::string& recompute = "none",
                       std::vector<std::pair<std::string, Tensor>>* params_after = nullptr) {
  // Start from an empty cache: blocks cached by earlier tests would serve requests with larger blocks
  // (a request may take a cached block up to twice its size) and make the peak depend on the test order.
  // Bytes other tests keep alive (cached golden files, statics) are not this step's: measure above them.
  CachingAllocator& a = allocator_for(DeviceType::CPU);
  a.empty_cache();
  const size_t baseline = a.stats().current_bytes;
  Config cfg;
  cfg.H = cfg.W = 64;
  cfg.ngf = cfg.ndf = 32;
  cfg.S = 32;
  cfg.batch = 2;
  cfg.validate();
  RandomDptStage run(cfg, stage, 4, recompute);
  run.step();
  a.reset_peak();
  run.step();
  const size_t peak = a.stats().peak_bytes - baseline;
  if (params_after)
    for (const auto& [name, p] : run.family.model().named_parameters()) params_after->push_back({name, p.clone()});
  return peak;
}

}  // namespace

TEST_CASE("memory/step_peak_bound") {
  // Measured 2026-12-03 at commit a1f7c85 (the same at 1, 2 and 3 threads): predictive 181042176,
  // inpainting 587867648, blending 668307456 bytes. After the graph stopped holding unsaved activations
  // (Note [graph edges] in core/autograd.h), ops saved only what their backward reads (Notes [unary saved
  // tensors], [conv saved tensors]), leaves took over their first gradient and activations' backward
  // wrote into the incoming gradient: predictive 165888512, inpainting 502603776, blending 546577408
  // bytes. After the blending step dropped the generator's outputs before its backward and ran the D
  // loss's backward first: blending 544450560. Bounds = measured x 1.05 (~5% headroom).
  const std::map<std::string, size_t> bound = {
      {"predictive", 174182937}, {"inpainting", 527733964}, {"blending", 571673088}};
  for (const auto& [stage, limit] : bound) {
    const size_t peak = step_peak_bytes(stage);
    MESSAGE(stage << " step: allocator peak " << peak << " bytes (bound " << limit << ")");
    CHECK_MESSAGE(peak <= limit, stage << " step: the allocator's peak grew to " << peak << " bytes, above the recorded bound "
                                       << limit << " (tests/test_memory_bound.cpp): find what keeps more memory alive");
  }
}

// Note [graph edges]: an activation that no backward reads is freed as soon as the caller drops it,
// even while the graph through it is alive; the gradient still flows through its node.
TEST_CASE("memory/the graph keeps no unsaved activation alive") {
  Tensor x = Tensor::from_vector(std::vector<double>{0.5, -1, 2}, {3}).set_requires_grad(true);
  Tensor h = x * 2.0;  // mul_scalar saves nothing
  std::weak_ptr<Storage> h_bytes = h.storage();
  Tensor y = exp(h);   // exp saves its output, not h
  h = Tensor();
  CHECK(h_bytes.expired());
  sum(y).backward();
  const std::vector<double> xv = {0.5, -1, 2}, g = x.grad().to_vector();
  for (size_t i = 0; i < xv.size(); ++i) CHECK(g[i] == std::exp(xv[i] * 2.0) * 2.0);
}

// Note [conv saved tensors]: conv2d keeps its input only when the weight gradient is wanted, and the
// input gradient is the same either way.
TEST_CASE("memory/conv2d saves its input only for the weight gradient") {
  Generator gen(7);
  Tensor x0 = Tensor::empty({2, 3, 6, 5}, DType::F64), w = Tensor::empty({4, 3, 3, 3}, DType::F64);
  normal_(x0, 0, 1, gen);
  normal_(w, 0, 1, gen);
  x0.set_requires_grad(true);
  ConvParams p;
  p.padding = 1;
  auto input_grad = [&](bool weight_grad, bool* input_kept) {
    x0.zero_grad();
    Tensor wl = w.detach().clone();
    wl.set_requires_grad(weight_grad);
    Tensor x = x0 * 1.0;  // a non-leaf input, held by nothing but the conv
    std::weak_ptr<Storage> x_bytes = x.storage();
    Tensor y = conv2d(x, wl, Tensor(), p);
    x = Tensor();
    *input_kept = !x_bytes.expired();
    sum(y * y).backward();
    CHECK(wl.grad().defined() == weight_grad);
    return x0.grad().to_vector();
  };
  bool kept_frozen = true, kept_trained = false;
  const std::vector<double> g_frozen = input_grad(false, &kept_frozen), g_trained = input_grad(true, &kept_trained);
  CHECK_FALSE(kept_frozen);
  CHECK(kept_trained);
  REQUIRE(g_frozen.size() == g_trained.size());
  CHECK(std::memcmp(g_frozen.data(), g_trained.data(), g_frozen.size() * sizeof(double)) == 0);
}

// Note [unary saved tensors]: ReLU and LeakyReLU test y > 0 in place of x > 0; the gradient is bitwise
// the formula's at the kink (+-0), on denormals, infinities and NaN, and a negative slope still reads x.
TEST_CASE("memory/relu and leaky_relu keep their output: gradients exact at the kink") {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const float den = std::numeric_limits<float>::denorm_min();
  const std::vector<float> xv = {-2.f, -0.f, 0.f, den, -den, 3.f, inf, -inf, nan, 1e-30f, -1e-30f};
  const std::vector<float> gv = {1.5f, -2.f, 3.f, -0.25f, 7.f, -1.f, 2.f, 0.5f, 4.f, -3.f, 9.f};
  for (double slope : {-1.0, 0.0, 0.01, 0.2}) {  // -1: relu
    Tensor x = Tensor::from_vector(xv, {static_cast<int64_t>(xv.size())}).set_requires_grad(true);
    Tensor y = slope < 0 ? relu(x) : leaky_relu(x, slope);
    y.backward(Tensor::from_vector(gv, {static_cast<int64_t>(gv.size())}));
    const std::vector<float> got = x.grad().to_float_vector();
    for (size_t i = 0; i < xv.size(); ++i) {
      const float a = slope < 0 ? 0.f : static_cast<float>(slope);
      const float want = xv[i] > 0.f ? gv[i] : (slope < 0 ? 0.f : a * gv[i]);
      CHECK_MESSAGE(std::memcmp(&got[i], &want, sizeof(float)) == 0,
                    "slope " << slope << ", x " << xv[i] << ": gradient " << got[i] << ", want " << want);
    }
  }
  // A negative slope makes y > 0 for x < 0: the gradient must still follow x.
  Tensor x = Tensor::from_vector(std::vector<float>{-2.f, 3.f}, {2}).set_requires_grad(true);
  leaky_relu(x, -0.5).backward(Tensor::from_vector(std::vector<float>{1.f, 1.f}, {2}));
  CHECK(x.grad().to_float_vector() == std::vector<float>{-0.5f, 1.f});
}

// A leaf takes over its first gradient only when nothing else refers to it: add returns one gradient
// for both operands, and the two leaves must still get separate gradients.
TEST_CASE("memory/leaf gradients never share storage") {
  Tensor a = Tensor::from_vector(std::vector<double>{1, 2}, {2}).set_requires_grad(true);
  Tensor b = Tensor::from_vector(std::vector<double>{3, 4}, {2}).set_requires_grad(true);
  (a + b).backward(Tensor::from_vector(std::vector<double>{1, 1}, {2}));
  REQUIRE(a.grad().defined());
  REQUIRE(b.grad().defined());
  CHECK(a.grad().storage() != b.grad().storage());
  sum(a * 5.0).backward();  // accumulates into a's gradient in place
  CHECK(a.grad().to_vector() == std::vector<double>{6, 6});
  CHECK(b.grad().to_vector() == std::vector<double>{1, 1});
  Tensor seed = Tensor::from_vector(std::vector<double>{2, 2}, {2});
  Tensor c = Tensor::from_vector(std::vector<double>{0, 0}, {2}).set_requires_grad(true);
  c.backward(seed);  // a leaf root: its gradient is the caller's seed, which must not be taken over
  CHECK(c.grad().storage() != seed.storage());
}

// Note [recompute]: recomputing the inpainter's full-resolution level in backward leaves every parameter
// bitwise as without it after two blending steps. (Its memory gain shows at the paper size, where the
// level is [N, 768, 256, 256]: a batch-1 step's peak 2.63 -> 2.42 GB; here other bytes set the peak.)
TEST_CASE("memory/recomputed inpainter level: same training step") {
  std::vector<std::pair<std::string, Tensor>> plain, recomputed;
  const size_t peak_plain = step_peak_bytes("blending", "none", &plain);
  const size_t peak_recomputed = step_peak_bytes("blending", "inpainter", &recomputed);
  MESSAGE("blending step: allocator peak " << peak_plain << " bytes plain, " << peak_recomputed << " recomputed");
  REQUIRE(plain.size() == recomputed.size());
  REQUIRE(!plain.empty());
  for (size_t i = 0; i < plain.size(); ++i) {
    const std::vector<float> a = plain[i].second.to_float_vector(), b = recomputed[i].second.to_float_vector();
    REQUIRE(a.size() == b.size());
    CHECK_MESSAGE(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0, plain[i].first);
  }
}
