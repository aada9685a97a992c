// conv2d and conv_transpose2d: exact hand-computed cases, the fast kernels against the plain reference
// loops (every stride/padding/groups mode), thread-count independence, float64 gradient checks and the
// golden cases.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/rng.h"
#include "core/threading.h"
#include "io/json.h"
#include "ops/conv2d.h"
#include "tests/conv_cases.h"
#include "tests/sca_golden_ops.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

ConvParams params(int stride, int padding, int groups = 1, int output_padding = 0) {
  ConvParams p;
  p.stride = stride;
  p.padding = padding;
  p.groups = groups;
  p.output_padding = output_padding;
  return p;
}

Tensor iota(const Shape& shape, double start = 1.0) {
  std::vector<double> v(shape_numel(shape));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<double>(i);
  return Tensor::from_vector(v, shape);
}

Tensor values(const std::vector<double>& v, const Shape& shape) { return Tensor::from_vector(v, shape); }

Tensor rand_tensor(const Shape& shape, uint64_t seed, DType dtype) {
  Tensor t = Tensor::empty(shape, DType::F64);
  Generator gen(seed);
  uniform_(t, -1.0, 1.0, gen);
  return t.to(dtype);
}

// One configuration in the conv2d view: x [N, Cin, H, W] -> [N, Cout, ...], or for conv_transpose2d
// x [N, Cin, H, W] with weight [Cin, Cout/g, k, k].
struct Case {
  int64_t N, Cin, H, W, Cout;
  int k, stride, pad, groups, out_pad;
  bool bias;
  std::string name() const {
    return "N" + std::to_string(N) + " Cin" + std::to_string(Cin) + " " + std::to_string(H) + "x" +
           std::to_string(W) + " Cout" + std::to_string(Cout) + " k" + std::to_string(k) + " s" +
           std::to_string(stride) + " p" + std::to_string(pad) + " g" + std::to_string(groups) + " op" +
           std::to_string(out_pad) + (bias ? "" : " nobias");
  }
};

// Runs the fast kernels and the reference on random inputs x [xs] and w [ws] (Cout outputs) and compares
// forward and every gradient; tol is relative to the largest reference value.
void compare_shapes(const Shape& xs, const Shape& ws, int64_t Cout, const ConvParams& p, bool bias, bool transposed,
                    DType dtype, double tol, uint64_t seed) {
  Tensor x = rand_tensor(xs, seed, dtype);
  Tensor w = rand_tensor(ws, seed + 1, dtype);
  Tensor b = bias ? rand_tensor({Cout}, seed + 2, dtype) : Tensor();
  const int64_t Ho = transposed ? conv_transpose2d_out_size(xs[2], ws[2], p, 0) : conv2d_out_size(xs[2], ws[2], p, 0);
  const int64_t Wo = transposed ? conv_transpose2d_out_size(xs[3], ws[3], p, 1) : conv2d_out_size(xs[3], ws[3], p, 1);
  Tensor out = Tensor::empty({xs[0], Cout, Ho, Wo}, dtype), ref = Tensor::empty_like(out);
  Tensor gout = rand_tensor(out.shape(), seed + 3, dtype);
  Tensor gx = Tensor::empty_like(x), gw = Tensor::empty_like(w), gb = Tensor::empty({Cout}, dtype);
  Tensor rgx = Tensor::empty_like(x), rgw = Tensor::empty_like(w), rgb = Tensor::empty({Cout}, dtype);
  if (transposed) {
    cpu::conv_transpose2d_forward(x, w, b, p, out);
    cpu::conv_transpose2d_forward_reference(x, w, b, p, ref);
    cpu::conv_transpose2d_backward(x, w, gout, p, gx, gw, gb);
    cpu::conv_transpose2d_backward_reference(x, w, gout, p, rgx, rgw, rgb);
  } else {
    cpu::conv2d_forward(x, w, b, p, out);
    cpu::conv2d_forward_reference(x, w, b, p, ref);
    cpu::conv2d_backward(x, w, gout, p, gx, gw, gb);
    cpu::conv2d_backward_reference(x, w, gout, p, rgx, rgw, rgb);
  }
  expect_golden(out, ref, tol, "out");
  expect_golden(gx, rgx, tol, "dx");
  expect_golden(gw, rgw, tol, "dw");
  expect_golden(gb, rgb, tol, "db");
}

void compare_with_reference(const Case& c, bool transposed, DType dtype, double tol, uint64_t seed) {
  INFO((transposed ? "conv_transpose2d " : "conv2d ") << c.name() << " " << dtype_name(dtype));
  const Shape ws = transposed ? Shape{c.Cin, c.Cout / c.groups, c.k, c.k} : Shape{c.Cout, c.Cin / c.groups, c.k, c.k};
  compare_shapes({c.N, c.Cin, c.H, c.W}, ws, c.Cout, params(c.stride, c.pad, c.groups, c.out_pad), c.bias, transposed,
                 dtype, tol, seed);
}

// Per-axis kernels, strides and paddings (Inception's 1x7 / 7x1, factorised 1x3 / 3x1, and mixed cases).
const std::vector<RectConvCase> kRectConvCases = {
    {2, 5, 9, 11, 4, 1, 7, 1, {0, 3}, 0, 1},       // Inception 1x7, same size
    {2, 5, 11, 9, 4, 7, 1, 1, {3, 0}, 0, 1},       // 7x1
    {1, 6, 8, 8, 6, 1, 3, 1, {0, 1}, 0, 1},        // 1x3 (block E)
    {1, 6, 8, 8, 6, 3, 1, 1, {1, 0}, 0, 1},        // 3x1
    {2, 4, 9, 12, 6, 3, 3, {2, 1}, {1, 0}, 0, 2},  // stride per axis, padding per axis, groups
    {1, 3, 10, 13, 5, 2, 5, {1, 3}, {1, 2}, 0, 1}, // everything differs
    {2, 8, 7, 40, 3, 3, 5, 1, {1, 2}, 0, 1},       // few outputs, rectangular: the GEMM path, not the direct one
    {1, 64, 17, 17, 40, 1, 7, 1, {0, 3}, 0, 1},    // several column chunks
};

const std::vector<RectConvCase> kRectTransposedCases = {
    {2, 4, 3, 5, 6, 1, 3, {1, 2}, {0, 1}, {0, 1}, 1},
    {1, 6, 4, 3, 4, 3, 2, {2, 1}, {1, 0}, {1, 0}, 2},
    {2, 3, 3, 4, 5, 5, 3, {3, 2}, {2, 1}, {2, 1}, 1},
};

const std::vector<Case> kConvCases = {
    {2, 5, 9, 7, 6, 3, 1, 1, 1, 0, true},     // golden-like, odd sizes
    {2, 5, 9, 7, 6, 3, 2, 1, 1, 0, true},     // stride 2
    {2, 5, 9, 8, 6, 4, 2, 1, 1, 0, false},    // k4 s2 (discriminator), no bias
    {2, 5, 6, 5, 6, 4, 1, 1, 1, 0, true},     // k4 s1
    {1, 8, 6, 5, 12, 4, 1, 1, 4, 0, true},    // k4, groups
    {3, 6, 7, 6, 9, 3, 2, 1, 3, 0, true},     // groups 3, stride 2
    {2, 48, 8, 8, 96, 3, 2, 1, 24, 0, true},  // 24 groups (inpainter encoder)
    {2, 24, 5, 5, 72, 3, 1, 1, 24, 0, false}, // 24 groups, 1 input channel per group
    {1, 3, 4, 4, 2, 3, 1, 0, 1, 0, true},     // no padding
    {2, 4, 5, 5, 4, 3, 3, 2, 2, 0, true},     // stride 3, padding 2
    {2, 2, 1, 1, 3, 3, 1, 1, 1, 0, true},     // 1x1 image: only the centre tap
    {1, 5, 3, 2, 4, 1, 1, 0, 1, 0, true},     // 1x1 kernel
    {1, 64, 30, 30, 20, 3, 1, 1, 1, 0, true}, // several column chunks per sample
    {1, 3, 70, 9, 40, 3, 1, 1, 1, 0, true},   // edge tiles in M and N, many output rows per chunk
    {2, 4, 6, 75, 24, 3, 2, 1, 2, 0, true},   // stride 2 on long rows: the vectorised stride-2 gather
    // Stride 1 with <= 8 outputs per group: the direct kernels (ops/cpu/conv_direct.h).
    {1, 4, 9, 70, 3, 3, 1, 1, 1, 0, true},    // 3 outputs, row longer than one vector block
    {2, 8, 6, 37, 1, 4, 1, 1, 1, 0, true},    // discriminator head: 1 output, k4
    {2, 48, 7, 20, 72, 3, 1, 1, 24, 0, false},// inpainter output conv: 3 outputs per group, 24 groups
    {1, 3, 9, 8, 2, 5, 1, 2, 1, 0, true},     // k5
    {1, 6, 5, 5, 16, 3, 1, 0, 2, 0, true},    // 8 outputs per group, no padding
};

const std::vector<Case> kTransposedCases = {
    {2, 6, 4, 5, 4, 3, 2, 1, 1, 1, true},      // golden-like
    {2, 8, 3, 4, 12, 3, 2, 1, 1, 4, true},     // groups 4
    {2, 5, 3, 3, 4, 4, 2, 1, 1, 0, false},     // k4 s2, no bias
    {1, 4, 5, 6, 6, 3, 1, 1, 2, 0, true},      // stride 1, groups 2
    {2, 48, 4, 4, 24, 3, 2, 1, 24, 1, true},   // 24 groups (inpainter decoder)
    {1, 3, 1, 1, 5, 3, 2, 1, 1, 1, true},      // 1x1 input
    {2, 4, 5, 3, 6, 3, 3, 0, 1, 2, true},      // stride 3, output_padding 2
    {1, 8, 24, 24, 64, 3, 2, 1, 1, 1, true},   // several column chunks
    {1, 3, 6, 40, 16, 3, 1, 1, 1, 0, true},    // stride 1, 3 inputs: backward-data via the direct kernels
};

}  // namespace

// ---- exact cases with integer inputs (hand-computed, STYLE habit 7)

TEST_CASE("ops/conv2d/exact 3x3 all-ones kernel") {
  Tensor x = iota({1, 1, 3, 3}).set_requires_grad(true);  // 1..9
  Tensor w = Tensor::ones({1, 1, 3, 3}, DType::F64).set_requires_grad(true);
  Tensor b = values({1}, {1}).set_requires_grad(true);
  // padding 1: each output is 1 + the sum of the 3x3 neighbourhood inside the image.
  Tensor y = conv2d(x, w, b, params(1, 1));
  expect_golden(y, values({13, 22, 17, 28, 46, 34, 25, 40, 29}, {1, 1, 3, 3}), 0, "stride 1");
  y.backward(Tensor::ones(y.shape(), DType::F64));
  // Each pixel is seen by as many windows as it has neighbours (itself included).
  expect_golden(x.grad(), values({4, 6, 4, 6, 9, 6, 4, 6, 4}, {1, 1, 3, 3}), 0, "dx");
  // dw[ky][kx] sums the pixels that tap (ky, kx) reads: the same neighbourhood sums.
  expect_golden(w.grad(), values({12, 21, 16, 27, 45, 33, 24, 39, 28}, {1, 1, 3, 3}), 0, "dw");
  expect_golden(b.grad(), values({9}, {1}), 0, "db");
  // stride 2: the four corner windows.
  expect_golden(conv2d(x, w, b, params(2, 1)), values({13, 17, 25, 29}, {1, 1, 2, 2}), 0, "stride 2");
  // no padding: the single full window.
  expect_golden(conv2d(x, w, Tensor(), params(1, 0)), values({45}, {1, 1, 1, 1}), 0, "padding 0");
}

TEST_CASE("ops/conv2d/exact k4 stride 2") {
  Tensor x = iota({1, 1, 4, 4}, 0.0);  // x[r][c] = 4r + c
  Tensor w = Tensor::zeros({1, 1, 4, 4}, DType::F64);
  w.data<double>()[0] = 1;       // tap (0, 0)
  w.data<double>()[15] = 10;     // tap (3, 3)
  // out[oy][ox] = x[2oy-1][2ox-1] + 10 x[2oy+2][2ox+2] (0 outside): Ho = Wo = (4 + 2 - 4)/2 + 1 = 2;
  // (0,0): 10 x[2][2] = 100; (0,1) and (1,0): both taps outside; (1,1): x[1][1] = 5.
  expect_golden(conv2d(x, w, Tensor(), params(2, 1)), values({100, 0, 0, 5}, {1, 1, 2, 2}), 0, "k4s2p1");
}

TEST_CASE("ops/conv2d/exact groups") {
  // 4 input channels, 2 groups, 1x1 kernel, 4 outputs: out0 = 1 x0 + 2 x1, out1 = 3 x0 + 4 x1,
  // out2 = 5 x2 + 6 x3, out3 = 7 x2 + 8 x3 (+ bias 0.5).
  Tensor x = values({1, 10, 100, 1000}, {1, 4, 1, 1});
  Tensor w = values({1, 2, 3, 4, 5, 6}, {3, 2, 1, 1});
  CHECK_ERROR(conv2d(x, w, Tensor(), params(1, 0, 2)), "conv2d", "groups = 2", "weight [3, 2, 1, 1]");  // 3 outputs
  Tensor w4 = values({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2, 1, 1});
  expect_golden(conv2d(x, w4, values({0, 0, 0, 0.5}, {4}), params(1, 0, 2)),
                values({21, 43, 6500, 8700.5}, {1, 4, 1, 1}), 0, "groups 2");
}

TEST_CASE("ops/conv_transpose2d/exact stride 2 output_padding 1") {
  Tensor x = values({1, 2, 3, 4}, {1, 1, 2, 2}).set_requires_grad(true);
  Tensor w = Tensor::ones({1, 1, 3, 3}, DType::F64).set_requires_grad(true);
  // Input pixel (i, j) adds itself to output rows 2i-1..2i+1, columns 2j-1..2j+1 (4x4 output).
  Tensor y = conv_transpose2d(x, w, Tensor(), params(2, 1, 1, 1));
  expect_golden(y, values({1, 3, 2, 2, 4, 10, 6, 6, 3, 7, 4, 4, 3, 7, 4, 4}, {1, 1, 4, 4}), 0, "out");
  y.backward(Tensor::ones(y.shape(), DType::F64));
  // dx = number of output pixels each input pixel reaches; dw[ky][kx] = sum of the pixels tap (ky,kx)
  // sends inside the output (tap row 0 only from input row 1, rows 1 and 2 from both).
  expect_golden(x.grad(), values({4, 6, 6, 9}, {1, 1, 2, 2}), 0, "dx");
  expect_golden(w.grad(), values({4, 7, 7, 6, 10, 10, 6, 10, 10}, {1, 1, 3, 3}), 0, "dw");
  // Output padding 0 drops the last row and column.
  expect_golden(conv_transpose2d(x.detach(), w.detach(), values({0.5}, {1}), params(2, 1)),
                values({1.5, 3.5, 2.5, 4.5, 10.5, 6.5, 3.5, 7.5, 4.5}, {1, 1, 3, 3}), 0, "output_padding 0");
}

TEST_CASE("ops/conv_transpose2d/exact groups") {
  // 2 groups, 1x1 kernel, weight [Cin = 2, Cout/g = 2, 1, 1]: out0,1 from x0, out2,3 from x1.
  Tensor x = values({1, 10}, {1, 2, 1, 1});
  Tensor w = values({1, 2, 3, 4}, {2, 2, 1, 1});
  expect_golden(conv_transpose2d(x, w, Tensor(), params(1, 0, 2)), values({1, 2, 30, 40}, {1, 4, 1, 1}), 0,
                "groups 2");
}

TEST_CASE("ops/conv2d/exact 1x3 kernel, stride (1, 2), padding (0, 1)") {
  Tensor x = iota({1, 1, 2, 5}).set_requires_grad(true);  // rows 1..5, 6..10
  Tensor w = values({1, 10, 100}, {1, 1, 1, 3}).set_requires_grad(true);
  ConvParams p;
  p.stride = Hw(1, 2);
  p.padding = Hw(0, 1);
  // Wo = (5 + 2 - 3) / 2 + 1 = 3; output column ox reads input columns 2ox - 1 .. 2ox + 1 of its row.
  Tensor y = conv2d(x, w, Tensor(), p);
  expect_golden(y, values({210, 432, 54, 760, 987, 109}, {1, 1, 2, 3}), 0, "out");
  y.backward(Tensor::ones(y.shape(), DType::F64));
  // Column c is read by tap kx of window ox with 2ox - 1 + kx = c: odd columns by two taps (100 + 1).
  expect_golden(x.grad(), values({10, 101, 10, 101, 10, 10, 101, 10, 101, 10}, {1, 1, 2, 5}), 0, "dx");
  // dw[kx] sums the pixels tap kx reads: kx = 0 reads columns 1, 3 (and the pad); kx = 2 columns 1, 3.
  expect_golden(w.grad(), values({2 + 4 + 7 + 9, 1 + 3 + 5 + 6 + 8 + 10, 2 + 4 + 7 + 9}, {1, 1, 1, 3}), 0, "dw");
}

TEST_CASE("ops/conv_transpose2d/exact 3x1 kernel, stride (2, 1), output_padding (1, 0)") {
  Tensor x = values({1, 2, 3, 4}, {1, 1, 2, 2});
  Tensor w = values({1, 10, 100}, {1, 1, 3, 1});
  ConvParams p;
  p.stride = Hw(2, 1);
  p.padding = Hw(1, 0);
  p.output_padding = Hw(1, 0);
  // Ho = (2 - 1) 2 - 2 + 3 + 1 = 4, Wo = 2. Input row i sends w[ky] x to output row 2i - 1 + ky.
  // Row 0: from i = 0 tap 1 (10 x0); row 1: i = 0 tap 2 (100 x0) + i = 1 tap 0 (x1);
  // row 2: i = 1 tap 1 (10 x1); row 3: i = 1 tap 2 (100 x1).
  expect_golden(conv_transpose2d(x, w, Tensor(), p), values({10, 20, 103, 204, 30, 40, 300, 400}, {1, 1, 4, 2}), 0,
                "out");
}

TEST_CASE("ops/conv2d/argument errors") {
  Tensor x = Tensor::zeros({1, 4, 5, 5});
  CHECK_ERROR(conv2d(Tensor::zeros({4, 5, 5}), Tensor::zeros({2, 4, 3, 3}), Tensor(), params(1, 1)), "conv2d",
              "x must be [N, C, H, W], got [4, 5, 5]");
  CHECK_ERROR(conv2d(x, Tensor::zeros({2, 3, 3, 3}), Tensor(), params(1, 1)), "conv2d", "x [1, 4, 5, 5]",
              "got [2, 3, 3, 3]");  // Cin mismatch
  CHECK_ERROR(conv2d(x, Tensor::zeros({2, 4, 3, 3}), Tensor::zeros({3}), params(1, 1)), "conv2d",
              "bias must be [2], got [3]");
  CHECK_ERROR(conv2d(x, Tensor::zeros({2, 4, 7, 7}), Tensor(), params(1, 0)), "conv2d", "[1, 4, 5, 5]",
              "smaller than the kernel [2, 4, 7, 7]");
  CHECK_ERROR(conv2d(x, Tensor::zeros({2, 4, 3, 3}, DType::F64), Tensor(), params(1, 1)), "conv2d",
              "x is float32, weight is float64");
  CHECK_ERROR(conv_transpose2d(x, Tensor::zeros({4, 2, 3, 3}), Tensor(), params(2, 1, 1, 2)), "conv_transpose2d",
              "output_padding", "got 2 with stride 2");
  CHECK_ERROR(conv_transpose2d(x, Tensor::zeros({3, 2, 3, 3}), Tensor(), params(2, 1)), "conv_transpose2d",
              "weight [3, 2, 3, 3] for x [1, 4, 5, 5]");  // Cin mismatch
  // Messages name the op and the shapes.
  const std::string e = error_of([&] { conv2d(x, Tensor::zeros({2, 3, 1, 7}), Tensor(), params(1, 0)); });
  CHECK(contains(e, "conv2d"));
  CHECK(contains(e, "[1, 4, 5, 5]"));
  CHECK(contains(e, "[2, 3, 1, 7]"));
  ConvParams bad;
  bad.padding = Hw(0, -1);
  CHECK(contains(error_of([&] { conv2d(x, Tensor::zeros({2, 4, 1, 3}), Tensor(), bad); }), "padding must be >= 0, got (0, -1)"));
  ConvParams big;
  big.stride = Hw(2, 1);
  big.output_padding = Hw(0, 1);  // >= the width stride
  CHECK(contains(error_of([&] { conv_transpose2d(x, Tensor::zeros({4, 2, 3, 3}), Tensor(), big); }),
                 "conv_transpose2d: output_padding"));
}

// ---- fast kernels against the reference loops

TEST_CASE("ops/conv2d/matches reference") {
  uint64_t seed = 100;
  for (const Case& c : kConvCases) {
    compare_with_reference(c, false, DType::F64, 1e-12, seed);
    compare_with_reference(c, false, DType::F32, 2e-6, seed);
    seed += 10;
  }
}

TEST_CASE("ops/conv2d/per-axis kernel, stride and padding match the reference") {
  uint64_t seed = 900;
  for (bool transposed : {false, true})
    for (const RectConvCase& c : transposed ? kRectTransposedCases : kRectConvCases) {
      INFO((transposed ? "conv_transpose2d " : "conv2d ") << c.name());
      const ConvParams p = c.params();
      const Shape ws = c.weight_shape(transposed);
      for (bool bias : {true, false}) {
        compare_shapes({c.N, c.Cin, c.H, c.W}, ws, c.Cout, p, bias, transposed, DType::F64, 1e-12, seed);
        compare_shapes({c.N, c.Cin, c.H, c.W}, ws, c.Cout, p, bias, transposed, DType::F32, 2e-6, seed);
        seed += 10;
      }
    }
}

TEST_CASE("ops/conv_transpose2d/matches reference") {
  uint64_t seed = 500;
  for (const Case& c : kTransposedCases) {
    compare_with_reference(c, true, DType::F64, 1e-12, seed);
    compare_with_reference(c, true, DType::F32, 2e-6, seed);
    seed += 10;
  }
}

TEST_CASE("ops/conv2d/independent of the thread count") {
  // Note [conv determinism]: bitwise the same results with 1, 2 and 3 threads.
  const int saved = num_threads();
  auto run = [](int threads, bool transposed, int groups) {
    set_num_threads(threads);
    const ConvParams p = groups == 24 ? params(1, 1, groups) : params(2, 1, groups, transposed ? 1 : 0);
    Tensor x = rand_tensor({3, 24, 17, 19}, 7, DType::F32).set_requires_grad(true);
    Tensor w = rand_tensor({24, 48 / groups, 3, 3}, 8, DType::F32).set_requires_grad(true);
    Tensor b = rand_tensor({48}, 9, DType::F32).set_requires_grad(true);
    Tensor y = transposed ? conv_transpose2d(x, w, b, p) : conv2d(x, w.view({48, 24 / groups, 3, 3}), b, p);
    y.backward(rand_tensor(y.shape(), 10, DType::F32));
    return std::vector<Tensor>{y.detach(), x.grad(), w.grad(), b.grad()};
  };
  for (bool transposed : {false, true})
    for (int groups : {1, 4, 24}) {  // 24 groups: 2 outputs per group, the direct kernels (stride 1 below)
      std::vector<Tensor> one = run(1, transposed, groups);
      for (int threads : {2, 3}) {
        std::vector<Tensor> many = run(threads, transposed, groups);
        for (size_t i = 0; i < one.size(); ++i)
          expect_golden(many[i], one[i], 0,
                        std::string(transposed ? "conv_transpose2d" : "conv2d") + " groups " + std::to_string(groups) +
                            " threads " + std::to_string(threads) + " result " + std::to_string(i));
      }
    }
  set_num_threads(saved);
}

// ---- float64 gradient checks

namespace {
void check_conv(const std::string& what, const Shape& xs, const Shape& ws, int64_t cout, const ConvParams& p,
                bool bias, bool transposed, uint64_t seed) {
  std::vector<Tensor> in{rand_leaf(xs, seed), rand_leaf(ws, seed + 1)};
  if (bias) in.push_back(rand_leaf({cout}, seed + 2));
  gradcheck(
      [p, transposed](const std::vector<Tensor>& t) {
        Tensor b = t.size() > 2 ? t[2] : Tensor();
        return transposed ? conv_transpose2d(t[0], t[1], b, p) : conv2d(t[0], t[1], b, p);
      },
      in, what);
}
}  // namespace

TEST_CASE("gradcheck/conv2d") {
  check_conv("k3s1p1", {2, 3, 5, 4}, {4, 3, 3, 3}, 4, params(1, 1), true, false, 1);
  check_conv("k3s2p1 odd", {2, 3, 7, 5}, {4, 3, 3, 3}, 4, params(2, 1), true, false, 2);
  check_conv("k4s2p1", {1, 2, 6, 7}, {3, 2, 4, 4}, 3, params(2, 1), true, false, 3);
  check_conv("k4s1p1", {2, 2, 5, 4}, {3, 2, 4, 4}, 3, params(1, 1), true, false, 4);
  check_conv("k3s1p0 no bias", {1, 3, 5, 6}, {2, 3, 3, 3}, 2, params(1, 0), false, false, 5);
}

TEST_CASE("gradcheck/conv2d_groups") {
  check_conv("k3s1p1 g2", {2, 4, 5, 3}, {6, 2, 3, 3}, 6, params(1, 1, 2), true, false, 6);
  check_conv("k3s2p1 g3", {1, 6, 7, 6}, {6, 2, 3, 3}, 6, params(2, 1, 3), true, false, 7);
  check_conv("k4s2p1 g2 no bias", {2, 4, 6, 5}, {4, 2, 4, 4}, 4, params(2, 1, 2), false, false, 8);
}

TEST_CASE("gradcheck/conv2d_per_axis") {
  ConvParams p;
  p.padding = Hw(0, 3);
  check_conv("1x7 p(0,3)", {1, 2, 4, 9}, {3, 2, 1, 7}, 3, p, true, false, 21);
  p.padding = Hw(3, 0);
  check_conv("7x1 p(3,0)", {1, 2, 9, 4}, {3, 2, 7, 1}, 3, p, false, false, 22);
  p.stride = Hw(2, 1);
  p.padding = Hw(1, 2);
  check_conv("3x5 s(2,1) p(1,2)", {2, 2, 7, 6}, {2, 2, 3, 5}, 2, p, true, false, 23);
  p.output_padding = Hw(1, 0);
  check_conv("transposed 3x5 s(2,1) p(1,2) op(1,0)", {1, 2, 3, 4}, {2, 3, 3, 5}, 3, p, true, true, 24);
}

TEST_CASE("gradcheck/conv_transpose2d") {
  check_conv("k3s2p1op1", {2, 3, 3, 4}, {3, 2, 3, 3}, 2, params(2, 1, 1, 1), true, true, 11);
  check_conv("k3s1p1", {1, 3, 4, 5}, {3, 4, 3, 3}, 4, params(1, 1), true, true, 12);
  check_conv("k4s2p1 no bias", {2, 2, 3, 3}, {2, 3, 4, 4}, 3, params(2, 1), false, true, 13);
  check_conv("k3s2p0op1 odd", {1, 2, 3, 2}, {2, 2, 3, 3}, 2, params(2, 0, 1, 1), true, true, 14);
}

TEST_CASE("gradcheck/conv_transpose2d_groups") {
  check_conv("k3s2p1op1 g2", {2, 4, 3, 3}, {4, 2, 3, 3}, 4, params(2, 1, 2, 1), true, true, 15);
  check_conv("k3s1p1 g3 no bias", {1, 6, 4, 3}, {6, 1, 3, 3}, 3, params(1, 1, 3), false, true, 16);
}

// ---- golden cases (float32, PyTorch layouts)

namespace {
void golden_conv(const std::string& name, bool transposed) {
  INFO(name);
  Json meta = parse_json(golden_metadata("ops.safetensors").at(name), name);
  ConvParams p = params(static_cast<int>(meta.at("stride").as_int()), static_cast<int>(meta.at("padding").as_int()),
                        static_cast<int>(meta.at("groups").as_int()),
                        meta.contains("output_padding") ? static_cast<int>(meta.at("output_padding").as_int()) : 0);
  Tensor w = golden("ops.safetensors", name + ".w");
  REQUIRE(w.size(2) == meta.at("kernel").as_int());
  golden_op_case(
      name, {"x", "w", "b"}, {"x", "w", "b"},
      [p, transposed](const auto& in) {
        return transposed ? conv_transpose2d(in.at("x"), in.at("w"), in.at("b"), p)
                          : conv2d(in.at("x"), in.at("w"), in.at("b"), p);
      },
      1e-5);
}
}  // namespace

TEST_CASE("golden/conv2d") {
  for (const char* name : {"conv2d_k3s1p1", "conv2d_k3s2p1", "conv2d_k4s2p1", "conv2d_k4s1p1", "conv2d_k3s1p1_g4",
                           "conv2d_k3s2p1_g4"})
    golden_conv(name, false);
}

TEST_CASE("golden/conv2d_sca") {
  // The SCA-GAN cases (7x7 without padding, the PCT-Net down and up convs without bias).
  ConvParams k7;
  sca_golden_case("conv2d_k7s1p0", {"x", "w", "b"}, {"x", "w", "b"},
                  [k7](const auto& in) { return conv2d(in.at("x"), in.at("w"), in.at("b"), k7); }, 1e-5, 1e-5);
  const ConvParams down = params(2, 1), up = params(2, 1, 1, 1);
  sca_golden_case("conv2d_k3s2p1_nobias", {"x", "w"}, {"x", "w"},
                  [down](const auto& in) { return conv2d(in.at("x"), in.at("w"), Tensor(), down); }, 1e-5, 1e-5);
  sca_golden_case("conv_transpose2d_k3s2p1op1_nobias", {"x", "w"}, {"x", "w"},
                  [up](const auto& in) { return conv_transpose2d(in.at("x"), in.at("w"), Tensor(), up); }, 1e-5, 1e-5);
}

TEST_CASE("golden/conv_transpose2d") {
  for (const char* name : {"conv_transpose2d_k3s2p1op1", "conv_transpose2d_k3s2p1op1_g4"}) golden_conv(name, true);
}
