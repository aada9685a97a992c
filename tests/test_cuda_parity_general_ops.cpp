// CUDA parity tests of the generalised ops of issue 9 (label emu: on the CUDA emulator; label gpu: on a
// GPU): conv2d / conv_transpose2d with per-axis kernel, stride and padding (native and cuDNN paths), max and
// average pooling of any window, interpolate (nearest, bilinear; plus the SCA golden cases on the
// device), reductions along a dim, div / exp / log / sqrt, bmm. Forward and backward against the CPU
// backend. Pooling and interpolate share their per-element maths with the CPU (ops/*_math.h) and sum in
// the same order, so they are compared exactly.
#ifdef DPT_WITH_CUDA
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ops/bmm.h"
#include "ops/conv2d.h"
#include "ops/cuda/runtime.h"
#include "ops/device.h"
#include "ops/elementwise.h"
#include "ops/interpolate.h"
#include "ops/pool2d.h"
#include "ops/reduce.h"
#include "tests/conv_cases.h"
#include "tests/cuda_parity.h"
#include "tests/sca_golden_ops.h"

using namespace dpt;
using namespace dpt::test;

namespace {

void rect_conv_parity(const RectConvCase& c, bool transposed, DType dt, const std::string& backend) {
  const ConvParams p = c.params();
  std::vector<Tensor> in = {uniform_tensor(c.input_shape(), 200, dt), uniform_tensor(c.weight_shape(transposed), 201, dt),
                            uniform_tensor({c.Cout}, 202, dt)};
  const std::string what = std::string(transposed ? "conv_transpose2d " : "conv2d ") + std::to_string(c.kh) + "x" +
                           std::to_string(c.kw) + " " + dtype_name(dt) + " " + backend;
  check_parity(what,
               [p, transposed](const std::vector<Tensor>& v) {
                 return transposed ? conv_transpose2d(v[0], v[1], v[2], p) : conv2d(v[0], v[1], v[2], p);
               },
               in, {}, gemm_tol(dt), gemm_tol(dt));
}

}  // namespace

TEST_CASE("emu/conv2d_per_axis") {
  DPT_REQUIRE_CUDA();
  const RectConvCase convs[] = {{2, 5, 9, 11, 4, 1, 7, 1, {0, 3}, 0, 1},
                            {1, 4, 11, 6, 6, 7, 1, 1, {3, 0}, 0, 2},
                            {2, 3, 10, 13, 5, 2, 5, {1, 3}, {1, 2}, 0, 1}};
  const RectConvCase deconvs[] = {{2, 4, 3, 5, 6, 1, 3, {1, 2}, {0, 1}, {0, 1}, 1},
                              {1, 6, 4, 3, 4, 3, 2, {2, 1}, {1, 0}, {1, 0}, 2}};
  for (const char* backend : {"native", "cudnn"}) {
    if (std::string(backend) == "cudnn" && !cuda::cudnn_available()) continue;  // reported by emu/conv cudnn backend
    set_conv_backend(backend);
    try {
      for (DType dt : kParityDtypes) {  // float64 under cudnn: the native kernels
        for (const RectConvCase& c : convs) rect_conv_parity(c, false, dt, backend);
        for (const RectConvCase& c : deconvs) rect_conv_parity(c, true, dt, backend);
      }
    } catch (...) {
      set_conv_backend("native");
      throw;
    }
  }
  set_conv_backend("native");
}

TEST_CASE("emu/pool2d") {
  DPT_REQUIRE_CUDA();
  const PoolParams modes[] = {{2, 2, 0}, {3, 2, 0}, {3, 1, 1}, {3, 2, 1}, {{1, 3}, {1, 2}, {0, 1}}, {{3, 2}, {2, 1}, {1, 1}}};
  for (DType dt : kParityDtypes) {
    // Few distinct values: many ties, so the first-maximum rule is exercised on both backends.
    std::vector<double> v(2 * 3 * 9 * 8);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 5) % 7);
    const Tensor x = Tensor::from_vector(v, {2, 3, 9, 8}).to(dt);
    for (const PoolParams& p : modes) {
      check_parity("max_pool2d", [p](const auto& in) { return max_pool2d(in[0], p); }, {x}, {}, 0, 0);
      check_parity("avg_pool2d", [p](const auto& in) { return avg_pool2d(in[0], p); },
                   {uniform_tensor({2, 3, 9, 8}, 210, dt)}, {}, 0, 0);
    }
  }
}

TEST_CASE("emu/interpolate") {
  DPT_REQUIRE_CUDA();
  const int64_t sizes[][4] = {{2, 2, 4, 3}, {8, 6, 16, 11}, {16, 11, 128, 88}, {64, 48, 4, 3}, {11, 7, 22, 14}};
  for (DType dt : kParityDtypes)
    for (const auto& s : sizes)
      for (InterpMode m : {InterpMode::Nearest, InterpMode::Bilinear}) {
        const int64_t oh = s[2], ow = s[3];
        check_parity(std::string(interp_mode_name(m)) + " " + std::to_string(s[0]) + "x" + std::to_string(s[1]),
                     [oh, ow, m](const auto& in) { return interpolate(in[0], oh, ow, m); },
                     {uniform_tensor({2, 3, s[0], s[1]}, 220, dt)}, {}, 0, 0);
      }
}

TEST_CASE("emu/golden/interpolate") {
  DPT_REQUIRE_CUDA();
  for (const char* name : {"nearest_2x2_to_4x3", "nearest_8x6_to_16x11", "nearest_16x11_to_128x88",
                           "nearest_64x48_to_4x3"}) {
    const Tensor ref = golden(kScaOps, std::string(name) + ".out");
    const int64_t h = ref.size(2), w = ref.size(3);
    sca_golden_case(name, {"x"}, {"x"},
                    on_cuda([h, w](const auto& in) { return interpolate(in.at("x"), h, w, InterpMode::Nearest); }), 0.0,
                    1e-5);
  }
  for (const char* name : {"bilinear_2x2_to_4x3", "bilinear_8x6_to_16x11", "bilinear_16x11_to_32x22"}) {
    const Tensor ref = golden(kScaOps, std::string(name) + ".out");
    const int64_t h = ref.size(2), w = ref.size(3);
    sca_golden_case(name, {"x"}, {"x"},
                    on_cuda([h, w](const auto& in) { return interpolate(in.at("x"), h, w, InterpMode::Bilinear); }),
                    1e-5, 1e-5);
  }
}

TEST_CASE("emu/reduce_dim") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    const Tensor x = uniform_tensor({3, 5, 4}, 230, dt);
    for (int64_t d : {0, 1, 2}) {
      check_parity("sum dim " + std::to_string(d), [d](const auto& in) { return sum(in[0], d); }, {x});
      check_parity("mean dim " + std::to_string(d), [d](const auto& in) { return mean(in[0], d, true); }, {x});
      check_parity("max dim " + std::to_string(d), [d](const auto& in) { return max(in[0], d); }, {x}, {}, 0, 0);
      check_parity("argmax dim " + std::to_string(d), [d](const auto& in) { return max_with_indices(in[0], d).indices; },
                   {x}, {}, 0, 0, false);
    }
    // Ties: the same first maximum on both sides.
    std::vector<double> t(4 * 6);
    for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<double>(i % 3);
    check_parity("max ties", [](const auto& in) { return max(in[0], 1); }, {Tensor::from_vector(t, {4, 6}).to(dt)}, {},
                 0, 0);
  }
}

TEST_CASE("emu/div_exp_log_sqrt") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    const Tensor pos = uniform_tensor({3, 4, 5}, 240, dt, 0.2, 3.0);
    check_parity("div", [](const auto& in) { return div(in[0], in[1]); },
                 {uniform_tensor({3, 4, 5}, 241, dt), uniform_tensor({4, 1}, 242, dt, 0.5, 2.0)});
    check_parity("exp", [](const auto& in) { return exp(in[0]); }, {uniform_tensor({3, 4, 5}, 243, dt)});
    check_parity("log", [](const auto& in) { return log(in[0]); }, {pos});
    check_parity("sqrt", [](const auto& in) { return sqrt(in[0]); }, {pos});
  }
}

TEST_CASE("emu/bmm") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        const Tensor a = ta ? uniform_tensor({3, 7, 5}, 250, dt) : uniform_tensor({3, 5, 7}, 250, dt);  // M 5, K 7
        const Tensor b = tb ? uniform_tensor({3, 6, 7}, 251, dt) : uniform_tensor({3, 7, 6}, 251, dt);  // N 6
        check_parity(std::string("bmm ta ") + (ta ? "1" : "0") + " tb " + (tb ? "1" : "0") + " " + dtype_name(dt),
                     [ta, tb](const auto& in) { return bmm(in[0], in[1], ta, tb); }, {a, b}, {}, gemm_tol(dt),
                     gemm_tol(dt));
      }
}

#endif  // DPT_WITH_CUDA
