// The direct weight-gradient kernel of ops/cpu/conv_direct.h (square kernels up to 7x7 with few outputs per
// group, e.g. SCA-GAN's 7x7 convs): against the plain reference loops for every kernel size and block split
// of the output channels, bitwise through conv2d_backward, independent of the thread count, and refused
// where it has no vector kernel (the dispatch then takes the GEMM path, checked against the reference too).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/rng.h"
#include "core/threading.h"
#include "ops/conv2d.h"
#include "ops/cpu/conv_direct.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

// conv2d x [N, C, H, W] * w [K, C/groups, k, k], stride 1, padding `pad` on both axes.
struct DirectCase {
  int64_t N, C, H, W, K;
  int k, pad, groups;
  std::string name() const {
    return "N" + std::to_string(N) + " C" + std::to_string(C) + " " + std::to_string(H) + "x" + std::to_string(W) +
           " K" + std::to_string(K) + " k" + std::to_string(k) + " p" + std::to_string(pad) + " g" +
           std::to_string(groups);
  }
  cpu::ConvShape shape() const {
    return {N, C, H, W, K, H + 2 * pad - k + 1, W + 2 * pad - k + 1, k, k, 1, 1, pad, pad, groups};
  }
};

// Every kernel size 1..7; output channels per group 1..8, so that 7x7 splits 8 channels into blocks of
// 2 + 3 + 3 (3 per block at most: the AVX-512 register budget) and 3x3 splits 8 into 4 + 4; output rows
// shorter than one 16-column vector, exactly one, and longer (a masked tail).
const std::vector<DirectCase> kCases = {
    {2, 5, 12, 40, 8, 7, 0, 1},  // SCA-GAN in_conv: 7x7 unpadded, 8 outputs, rows of 34 columns
    {1, 3, 9, 20, 1, 7, 3, 1},   // 7x7 padded, 1 output (SCA-GAN out_conv)
    {2, 4, 10, 11, 4, 7, 0, 1},  // 4 outputs in 2 blocks, rows of 5 columns
    {1, 6, 8, 23, 6, 6, 2, 2},   // k6, 2 groups of 3 outputs
    {1, 4, 9, 17, 7, 5, 2, 1},   // k5, 7 outputs
    {2, 3, 7, 18, 8, 4, 1, 1},   // k4, 8 outputs, rows of 17 columns
    {1, 8, 6, 16, 8, 3, 1, 4},   // k3, 4 groups of 2 outputs, rows of exactly 16 columns
    {2, 5, 6, 33, 8, 3, 1, 1},   // k3, 8 outputs in 2 blocks
    {2, 5, 6, 16, 8, 2, 0, 1},   // k2
    {1, 7, 5, 19, 5, 1, 0, 1},   // 1x1
};

Tensor rand_f32(const Shape& shape, uint64_t seed) {
  Tensor t = Tensor::empty(shape, DType::F64);
  Generator gen(seed);
  uniform_(t, -1.0, 1.0, gen);
  return t.to(DType::F32);
}

ConvParams params_of(const DirectCase& c) {
  ConvParams p;
  p.padding = c.pad;
  p.groups = c.groups;
  return p;
}

// gw [K, C/groups, k, k] of conv2d_backward on random inputs (seeded by `seed`) with `threads` threads.
Tensor conv_weight_grad(const DirectCase& c, uint64_t seed, int threads) {
  const cpu::ConvShape s = c.shape();
  Tensor x = rand_f32({c.N, c.C, c.H, c.W}, seed), w = rand_f32({c.K, c.C / c.groups, c.k, c.k}, seed + 1);
  Tensor gout = rand_f32({c.N, c.K, s.Ho, s.Wo}, seed + 2), gw = Tensor::empty_like(w), none;
  const int saved = num_threads();
  set_num_threads(threads);
  cpu::conv2d_backward(x, w, gout, params_of(c), none, gw, none);
  set_num_threads(saved);
  return gw;
}

}  // namespace

TEST_CASE("ops/conv2d/direct weight gradient matches the reference") {
  uint64_t seed = 1300;
  for (const DirectCase& c : kCases) {
    INFO(c.name());
    const cpu::ConvShape s = c.shape();
    REQUIRE(cpu::conv_direct_eligible(s));
    Tensor x = rand_f32({c.N, c.C, c.H, c.W}, seed), w = rand_f32({c.K, c.C / c.groups, c.k, c.k}, seed + 1);
    Tensor gout = rand_f32({c.N, c.K, s.Ho, s.Wo}, seed + 2), none;
    Tensor ref = Tensor::empty_like(w), gw = Tensor::empty_like(w), direct = Tensor::empty_like(w);
    cpu::conv2d_backward_reference(x, w, gout, params_of(c), none, ref, none);
    cpu::conv2d_backward(x, w, gout, params_of(c), none, gw, none);
    expect_golden(gw, ref, 2e-6, "conv2d_backward dw");
    if (cpu::conv_direct_weight_eligible(s)) {
      cpu::conv_backward_weight_direct(s, x.data<float>(), gout.data<float>(), direct.data<float>());
      expect_golden(direct, ref, 2e-6, "conv_backward_weight_direct");
      expect_golden(gw, direct, 0, "conv2d_backward takes the direct kernel");
    } else {  // no AVX-512 (or DPT_GEMM_KERNEL=avx2|generic): refused, conv2d_backward above took the GEMM path
      CHECK_ERROR(cpu::conv_backward_weight_direct(s, x.data<float>(), gout.data<float>(), direct.data<float>()),
                  "conv_backward_weight_direct", "conv_direct_weight_eligible");
    }
    seed += 10;
  }
}

TEST_CASE("ops/conv2d/direct weight gradient is independent of the thread count") {
  // Note [conv determinism]: each (input channel, block of output channels) task sums its weights alone.
  for (const DirectCase& c : {kCases[0], kCases[3], kCases[7]}) {
    INFO(c.name());
    const Tensor one = conv_weight_grad(c, 77, 1);
    for (int threads : {2, 3}) expect_golden(conv_weight_grad(c, 77, threads), one, 0, std::to_string(threads) + " threads");
  }
}
