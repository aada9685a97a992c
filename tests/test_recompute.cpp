// Note [recompute] (core/recompute.h): a checkpointed segment gives bitwise the gradients of the plain
// graph (its inputs' and its parameters'), and the inpainter's recomputed full-resolution level keeps
// less memory alive.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/recompute.h"
#include "core/rng.h"
#include "models/dpt/networks.h"
#include "ops/conv2d.h"
#include "ops/elementwise.h"
#include "ops/instance_norm.h"
#include "ops/reduce.h"

using namespace dpt;

namespace {

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined() || a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const std::vector<float> va = a.to_float_vector(), vb = b.to_float_vector();
  return std::memcmp(va.data(), vb.data(), va.size() * sizeof(float)) == 0;
}

Tensor random_tensor(const Shape& s, Generator& gen) {
  Tensor t = Tensor::empty(s);
  normal_(t, 0, 1, gen);
  return t;
}

struct InpainterRun {
  std::vector<std::pair<std::string, Tensor>> grads;  // every parameter's, then the input's
  size_t peak_bytes = 0;                              // allocator peak over forward + backward
};

// One forward and backward of a small inpainter (S 16: two levels) and a tail on fixed random data.
InpainterRun run_inpainter(bool recompute) {
  Generator gen(3);
  Inpainter net(16, 8, 16, 32, gen);
  net.recompute_decoder = recompute;
  Tensor x0 = random_tensor({2, 96, 16, 16}, gen).set_requires_grad(true);
  Tensor r = random_tensor({2, 72, 16, 16}, gen);
  CachingAllocator& a = allocator_for(DeviceType::CPU);
  a.empty_cache();
  a.reset_peak();
  const size_t base = a.stats().current_bytes;
  {
    // A non-leaf input, as inside the model, and a tail of ops after the inpainter (as the blending
    // stage's warping, blending net and VGG19): their activations are freed by the time backward reaches
    // the recomputed level. (A segment at the very end of the graph saves nothing: its backward runs
    // first, while everything else is still held.)
    Tensor y = net.forward_parts(x0 * 1.0);
    for (int k = 0; k < 6; ++k) y = tanh(y * 1.5);
    sum(y * r).backward();
  }
  InpainterRun run;
  run.peak_bytes = a.stats().peak_bytes - base;
  for (const auto& [name, p] : net.named_parameters()) run.grads.push_back({name, p.grad()});
  run.grads.push_back({"input", x0.grad()});
  return run;
}

}  // namespace

TEST_CASE("recompute/checkpoint gives bitwise the plain gradients") {
  Generator gen(11);
  const Tensor x0 = random_tensor({2, 3, 9, 7}, gen), w0 = random_tensor({5, 3, 3, 3}, gen), b0 = random_tensor({5}, gen);
  ConvParams p;
  p.padding = 1;
  std::vector<Tensor> g_plain, g_recomputed;
  for (bool recompute : {false, true}) {
    Tensor x = x0.clone().set_requires_grad(true), w = w0.clone().set_requires_grad(true);
    Tensor b = b0.clone().set_requires_grad(true);
    const SegmentFn seg = [&](std::vector<Tensor> in) { return tanh(relu(instance_norm(conv2d(in[0], w, b, p)))); };
    Tensor h = exp(x * 0.5);  // the segment's input is a result, as in a network
    Tensor y = recompute ? checkpoint("test_segment", seg, {h}, {w, b}) : seg({h});
    CHECK(static_cast<bool>(y.grad_fn()));
    sum(y * y).backward();
    (recompute ? g_recomputed : g_plain) = {x.grad(), w.grad(), b.grad()};
  }
  for (size_t i = 0; i < g_plain.size(); ++i) CHECK_MESSAGE(bitwise_equal(g_plain[i], g_recomputed[i]), "gradient " << i);
  // With the graph off a checkpoint is the segment itself.
  NoGradGuard no_grad;
  Tensor w = w0, b = b0;
  const SegmentFn seg = [&](std::vector<Tensor> in) { return relu(conv2d(in[0], w, b, p)); };
  Tensor y = checkpoint("test_segment", seg, {x0}, {w, b});
  CHECK_FALSE(y.grad_fn());
  CHECK(bitwise_equal(y, seg({x0})));
}

TEST_CASE("recompute/inpainter full-resolution level: same gradients, less memory") {
  const InpainterRun plain = run_inpainter(false), recomputed = run_inpainter(true);
  REQUIRE(plain.grads.size() == recomputed.grads.size());
  for (size_t i = 0; i < plain.grads.size(); ++i)
    CHECK_MESSAGE(bitwise_equal(plain.grads[i].second, recomputed.grads[i].second), plain.grads[i].first);
  MESSAGE("allocator peak " << plain.peak_bytes << " bytes plain, " << recomputed.peak_bytes << " recomputed");
  CHECK(recomputed.peak_bytes < plain.peak_bytes);
}
