// CUDA parity tests of conv2d, conv_transpose2d, linear, gram, grid_sample, uv_splat, splat_normalise
// and the atlas ops (label emu: on the CUDA emulator; label gpu: on a GPU), forward and backward against
// the CPU backend, then their golden cases with the inputs on the CUDA device.
// Float32 tolerances of the GEMM-based ops are 1e-4: cuBLAS (or the emulator's cblas on other block
// sizes) sums the products in a different order than the CPU kernels.
#ifdef DPT_WITH_CUDA
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "io/json.h"
#include "ops/atlas.h"
#include "ops/conv2d.h"
#include "ops/cuda/runtime.h"
#include "ops/device.h"
#include "ops/elementwise.h"
#include "ops/gram.h"
#include "ops/grid_sample.h"
#include "ops/linear.h"
#include "ops/loss.h"
#include "ops/uv_splat.h"
#include "tests/cuda_parity.h"

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

struct ConvCase {
  int64_t N, Cin, H, W, Cout;
  int k, stride, pad, groups, out_pad;
  bool bias;
  std::string name() const {
    return "N" + std::to_string(N) + " Cin" + std::to_string(Cin) + " " + std::to_string(H) + "x" + std::to_string(W) +
           " Cout" + std::to_string(Cout) + " k" + std::to_string(k) + " s" + std::to_string(stride) + " p" +
           std::to_string(pad) + " g" + std::to_string(groups) + " op" + std::to_string(out_pad) + (bias ? "" : " nobias");
  }
};

const std::vector<ConvCase> kConvCases = {
    {2, 5, 9, 7, 6, 3, 1, 1, 1, 0, true},     // odd sizes
    {2, 5, 9, 7, 6, 3, 2, 1, 1, 0, true},     // stride 2
    {2, 5, 9, 8, 6, 4, 2, 1, 1, 0, false},    // k4 s2 (discriminator), no bias
    {3, 6, 7, 6, 9, 3, 2, 1, 3, 0, true},     // groups 3
    {2, 48, 8, 8, 96, 3, 2, 1, 24, 0, true},  // 24 groups (inpainter encoder)
    {2, 4, 5, 5, 4, 3, 3, 2, 2, 0, true},     // stride 3, padding 2
    {1, 5, 3, 2, 4, 1, 1, 0, 1, 0, true},     // 1x1 kernel: the GEMM reads x directly
    {2, 6, 4, 4, 4, 1, 1, 0, 2, 0, false},    // 1x1 kernel, groups
    {1, 16, 30, 30, 8, 3, 1, 1, 1, 0, true},  // several blocks of im2col / col2im
};

const std::vector<ConvCase> kTransposedCases = {
    {2, 6, 4, 5, 4, 3, 2, 1, 1, 1, true},     // like the golden case
    {2, 8, 3, 4, 12, 3, 2, 1, 4, 1, true},    // groups 4
    {2, 5, 3, 3, 4, 4, 2, 1, 1, 0, false},    // k4 s2, no bias
    {2, 48, 4, 4, 24, 3, 2, 1, 24, 1, true},  // 24 groups (inpainter decoder)
    {2, 4, 5, 3, 6, 3, 3, 0, 1, 2, true},     // stride 3, output_padding 2
    {1, 4, 5, 6, 6, 1, 1, 0, 2, 0, true},     // 1x1 kernel: col2im skipped, bias prefilled
    {1, 8, 12, 12, 6, 3, 2, 1, 1, 1, true},   // several blocks
};

void conv_parity(const ConvCase& c, bool transposed, DType dt) {
  const ConvParams p = params(c.stride, c.pad, c.groups, c.out_pad);
  Tensor x = uniform_tensor({c.N, c.Cin, c.H, c.W}, 100, dt);
  Tensor w = transposed ? uniform_tensor({c.Cin, c.Cout / c.groups, c.k, c.k}, 101, dt)
                        : uniform_tensor({c.Cout, c.Cin / c.groups, c.k, c.k}, 101, dt);
  std::vector<Tensor> in = {x, w};
  if (c.bias) in.push_back(uniform_tensor({c.Cout}, 102, dt));
  const std::string what = (transposed ? "conv_transpose2d " : "conv2d ") + c.name() + " " + dtype_name(dt);
  check_parity(what,
               [p, transposed](const std::vector<Tensor>& v) {
                 Tensor b = v.size() > 2 ? v[2] : Tensor();
                 return transposed ? conv_transpose2d(v[0], v[1], b, p) : conv2d(v[0], v[1], b, p);
               },
               in, {}, gemm_tol(dt), gemm_tol(dt));
}

// Splat inputs: grid values in [-1.1, 1.1] (some points fall outside the atlas), a 0/1 foreground.
struct SplatInputs {
  Tensor img, grid, fg;
};
SplatInputs splat_inputs(int64_t N, int64_t C, int64_t H, int64_t W, DType dt, uint64_t seed) {
  SplatInputs s;
  s.img = uniform_tensor({N, C, H, W}, seed, dt);
  s.grid = uniform_tensor({N, H, W, 2}, seed + 1, dt, -1.1, 1.1);
  std::vector<double> m = uniform_tensor({N, 1, H, W}, seed + 2, DType::F64, 0, 1).to_vector();
  for (double& v : m) v = v < 0.7 ? 1.0 : 0.0;
  s.fg = Tensor::from_vector(m, {N, 1, H, W}).to(dt);
  return s;
}

// IUV maps: I in 0..24 (0 background), U, V in [0, 1].
Tensor random_iuv(int64_t N, int64_t H, int64_t W, uint64_t seed) {
  std::vector<double> v = uniform_tensor({N, 3, H, W}, seed, DType::F64, 0, 1).to_vector();
  const int64_t P = H * W;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t p = 0; p < P; ++p) {
      double& I = v[(n * 3) * P + p];
      I = static_cast<double>(static_cast<int>(I * 25.0) % 25);
    }
  return Tensor::from_vector(v, {N, 3, H, W}).to(DType::F32);
}

// Runs fn under deterministic and atomic scatter modes, restoring the mode afterwards.
template <class Fn>
void both_scatter_modes(Fn fn) {
  const bool before = cuda::deterministic();
  for (bool det : {false, true}) {
    cuda::set_deterministic(det);
    fn(det ? " deterministic" : " atomic");
  }
  cuda::set_deterministic(before);
}

}  // namespace

TEST_CASE("emu/conv2d") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes)
    for (const ConvCase& c : kConvCases) conv_parity(c, false, dt);
}

TEST_CASE("emu/conv_transpose2d") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes)
    for (const ConvCase& c : kTransposedCases) conv_parity(c, true, dt);
}

TEST_CASE("emu/conv cudnn backend") {
  // --conv-backend cudnn: cuDNN on a GPU; under emulation the CPU convolution on device memory.
  DPT_REQUIRE_CUDA();
  if (!cuda::cudnn_available()) {
    skip("this build has no cuDNN: the cudnn backend is not tested");
    return;
  }
  set_conv_backend("cudnn");
  try {
    conv_parity(kConvCases[1], false, DType::F32);
    conv_parity(kConvCases[3], false, DType::F32);
    conv_parity(kTransposedCases[0], true, DType::F32);
    conv_parity(kTransposedCases[1], true, DType::F32);
    conv_parity(kConvCases[0], false, DType::F64);  // float64 falls back to the native kernels
  } catch (...) {
    set_conv_backend("native");
    throw;
  }
  set_conv_backend("native");
}

TEST_CASE("emu/linear") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    const std::string s = std::string(" ") + dtype_name(dt);
    check_parity("linear" + s, [](const auto& v) { return linear(v[0], v[1], v[2]); },
                 {uniform_tensor({37, 300}, 110, dt), uniform_tensor({50, 300}, 111, dt), uniform_tensor({50}, 112, dt)},
                 {}, gemm_tol(dt), gemm_tol(dt));
    check_parity("linear no bias" + s, [](const auto& v) { return linear(v[0], v[1], Tensor()); },
                 {uniform_tensor({3, 7}, 113, dt), uniform_tensor({5, 7}, 114, dt)}, {}, gemm_tol(dt), gemm_tol(dt));
  }
}

TEST_CASE("emu/gram") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    const std::string s = std::string(" ") + dtype_name(dt);
    check_parity("gram" + s, [](const auto& v) { return gram(v[0]); }, {uniform_tensor({2, 19, 7, 9}, 120, dt)}, {},
                 gemm_tol(dt), gemm_tol(dt));
    check_parity("style_term" + s, [](const auto& v) { return style_term(v[0], v[1]); },
                 {uniform_tensor({2, 5, 6, 7}, 121, dt), uniform_tensor({2, 5, 6, 7}, 122, dt)}, {true, false},
                 gemm_tol(dt), gemm_tol(dt));
  }
  // The CUDA result is exactly symmetric too.
  std::vector<double> g = gram(uniform_tensor({1, 9, 5, 3}, 123).to(cuda_dev())).to_vector();
  for (int i = 0; i < 9; ++i)
    for (int j = 0; j < 9; ++j) REQUIRE(g[i * 9 + j] == g[j * 9 + i]);
}

TEST_CASE("emu/grid_sample") {
  DPT_REQUIRE_CUDA();
  both_scatter_modes([](const std::string& mode) {
    for (DType dt : kParityDtypes) {
      const std::string s = std::string(" ") + dtype_name(dt) + mode;
      // Grid values slightly beyond [-1, 1]: points partly and wholly outside the image.
      check_parity("grid_sample" + s, [](const auto& v) { return grid_sample(v[0], v[1]); },
                   {uniform_tensor({2, 3, 9, 11}, 130, dt), uniform_tensor({2, 7, 13, 2}, 131, dt, -1.1, 1.1)});
      // Upsampling to many points (several blocks), x gradient only.
      check_parity("grid_sample upsample" + s, [](const auto& v) { return grid_sample(v[0], v[1]); },
                   {uniform_tensor({1, 2, 5, 6}, 132, dt), uniform_tensor({1, 40, 30, 2}, 133, dt, -1, 1)}, {true, false});
    }
  });
}

TEST_CASE("emu/uv_splat") {
  DPT_REQUIRE_CUDA();
  const int64_t S = 4;  // atlas 24 x 16
  both_scatter_modes([S](const std::string& mode) {
    for (DType dt : kParityDtypes) {
      const std::string s = std::string(" ") + dtype_name(dt) + mode;
      SplatInputs in = splat_inputs(2, 3, 10, 12, dt, 140);
      check_parity("uv_splat acc" + s, [S](const auto& v) { return uv_splat(v[0], v[1], v[2], S).acc; },
                   {in.img, in.grid, in.fg}, {true, false, false});
      check_parity("uv_splat w" + s, [S](const auto& v) { return uv_splat(v[0], v[1], v[2], S).w; },
                   {in.img, in.grid, in.fg}, {}, -1, -1, false);
      check_parity("splat_normalise tex" + s,
                   [S](const auto& v) {
                     Splat sp = uv_splat(v[0], v[1], v[2], S);
                     return splat_normalise(sp.acc, sp.w).tex;
                   },
                   {in.img, in.grid, in.fg}, {true, false, false}, dt == DType::F32 ? 1e-4 : -1,
                   dt == DType::F32 ? 1e-4 : -1);
      check_parity("splat_normalise M" + s,
                   [S](const auto& v) {
                     Splat sp = uv_splat(v[0], v[1], v[2], S);
                     return splat_normalise(sp.acc, sp.w).M;
                   },
                   {in.img, in.grid, in.fg}, {}, 0, 0, false);
    }
  });
}

TEST_CASE("emu/atlas") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    const std::string s = std::string(" ") + dtype_name(dt);
    // tile and untile are each other's backward: both kernels run in each direction.
    check_parity("untile" + s, [](const auto& v) { return untile(v[0]); }, {uniform_tensor({2, 3, 18, 12}, 150, dt)}, {},
                 0, 0);
    check_parity("tile" + s, [](const auto& v) { return tile(v[0]); }, {uniform_tensor({2, 48, 5, 5}, 151, dt)}, {}, 0, 0);
  }
  Tensor iuv = random_iuv(2, 9, 13, 152);
  for (int64_t S : {4, 8}) {
    const std::string s = " S" + std::to_string(S);
    check_parity("iuv_to_grid grid" + s, [S](const auto& v) { return iuv_to_grid(v[0], S).grid; }, {iuv}, {}, 0, 0,
                 false);
    check_parity("iuv_to_grid fg" + s, [S](const auto& v) { return iuv_to_grid(v[0], S).fg; }, {iuv}, {}, 0, 0, false);
  }
  check_parity("encode_iuv", [](const auto& v) { return encode_iuv(v[0]); }, {iuv}, {}, 0, 0, false);
  check_parity("encode_iuv onehot", [](const auto& v) { return encode_iuv(v[0], true); }, {iuv}, {}, 0, 0, false);
}

// ---- golden cases through the CUDA kernels (tolerances as in the CPU golden tests)

TEST_CASE("emu/golden/conv") {
  DPT_REQUIRE_CUDA();
  for (const char* name : {"conv2d_k3s1p1", "conv2d_k3s2p1", "conv2d_k4s2p1", "conv2d_k4s1p1", "conv2d_k3s1p1_g4",
                           "conv2d_k3s2p1_g4", "conv_transpose2d_k3s2p1op1", "conv_transpose2d_k3s2p1op1_g4"}) {
    INFO(name);
    const bool transposed = std::string(name).rfind("conv_transpose2d", 0) == 0;
    Json meta = parse_json(golden_metadata("ops.safetensors").at(name), name);
    ConvParams p = params(static_cast<int>(meta.at("stride").as_int()), static_cast<int>(meta.at("padding").as_int()),
                          static_cast<int>(meta.at("groups").as_int()),
                          meta.contains("output_padding") ? static_cast<int>(meta.at("output_padding").as_int()) : 0);
    golden_op_case(name, {"x", "w", "b"}, {"x", "w", "b"}, on_cuda([p, transposed](const auto& in) {
                     return transposed ? conv_transpose2d(in.at("x"), in.at("w"), in.at("b"), p)
                                       : conv2d(in.at("x"), in.at("w"), in.at("b"), p);
                   }),
                   1e-5);
  }
}

TEST_CASE("emu/golden/linear_gram") {
  DPT_REQUIRE_CUDA();
  golden_op_case("linear", {"x", "w", "b"}, {"x", "w", "b"},
                 on_cuda([](const auto& in) { return linear(in.at("x"), in.at("w"), in.at("b")); }), 1e-5);
  golden_op_case("gram", {"x"}, {"x"}, on_cuda([](const auto& in) { return gram(in.at("x")); }), 1e-5);
  golden_op_case("style_term", {"f_hat", "f"}, {"f_hat"},
                 on_cuda([](const auto& in) { return style_term(in.at("f_hat"), in.at("f")); }), 1e-5);
}

TEST_CASE("emu/golden/grid_sample") {
  DPT_REQUIRE_CUDA();
  both_scatter_modes([](const std::string& mode) {
    INFO(mode);
    golden_op_case("grid_sample", {"x", "grid"}, {"x", "grid"},
                   on_cuda([](const auto& in) { return grid_sample(in.at("x"), in.at("grid")); }), 1e-5);
  });
}

TEST_CASE("emu/golden/uv_splat") {
  DPT_REQUIRE_CUDA();
  const int64_t S = 4;
  both_scatter_modes([S](const std::string& mode) {
    INFO(mode);
    const std::string f = "ops.safetensors";
    Device d = cuda_dev();
    Tensor img = golden(f, "uv_splat.img").set_requires_grad(true);
    Splat s = uv_splat(img.to(d), golden(f, "uv_splat.grid").to(d), golden(f, "uv_splat.fg").to(d), S);
    expect_golden(s.acc.to(Device::cpu()), golden(f, "uv_splat.acc"), 1e-4, "uv_splat.acc");
    expect_golden(s.w.to(Device::cpu()), golden(f, "uv_splat.w"), 1e-4, "uv_splat.w");
    s.acc.backward(golden(f, "uv_splat.dacc").to(d));
    expect_golden(img.grad(), golden(f, "uv_splat.dimg"), 1e-4, "uv_splat.dimg");

    Tensor img2 = golden(f, "uv_splat_normalise.img").set_requires_grad(true);
    Splat s2 = uv_splat(img2.to(d), golden(f, "uv_splat_normalise.grid").to(d),
                        golden(f, "uv_splat_normalise.fg").to(d), S);
    Texture t = splat_normalise(s2.acc, s2.w);
    expect_golden(t.tex.to(Device::cpu()), golden(f, "uv_splat_normalise.tex"), 1e-4, "uv_splat_normalise.tex");
    expect_golden(t.M.to(Device::cpu()), golden(f, "uv_splat_normalise.M"), 0, "uv_splat_normalise.M");
    t.tex.backward(golden(f, "uv_splat_normalise.dtex").to(d));
    expect_golden(img2.grad(), golden(f, "uv_splat_normalise.dimg"), 1e-4, "uv_splat_normalise.dimg");
  });
}

TEST_CASE("emu/golden/atlas") {
  DPT_REQUIRE_CUDA();
  const std::string f = "ops.safetensors";
  Device d = cuda_dev();
  Tensor iuv = golden(f, "iuv.iuv").to(d);
  expect_golden(encode_iuv(iuv).to(Device::cpu()), golden(f, "iuv.enc"), 1e-5, "iuv.enc");
  expect_golden(encode_iuv(iuv, true).to(Device::cpu()), golden(f, "iuv.enc_onehot"), 1e-5, "iuv.enc_onehot");
  UVGrid g = iuv_to_grid(iuv, 4);
  expect_golden(g.grid.to(Device::cpu()), golden(f, "iuv.grid"), 1e-5, "iuv.grid");
  expect_golden(g.fg.to(Device::cpu()), golden(f, "iuv.fg"), 0, "iuv.fg");
  golden_op_case("untile", {"x"}, {"x"}, on_cuda([](const auto& in) { return untile(in.at("x")); }), 0.0);
  golden_op_case("tile", {"x"}, {"x"}, on_cuda([](const auto& in) { return tile(in.at("x")); }), 0.0);
}

TEST_CASE("emu/golden/png_cases") {
  // The PNG path after decoding, on the device: encode, grid, splat, normalise, re-sample.
  DPT_REQUIRE_CUDA();
  const std::string f = "png_cases.safetensors";
  const int64_t S = std::stoll(golden_metadata(f).at("S"));
  Device d = cuda_dev();
  auto host = [](const Tensor& t) { return t.to(Device::cpu()); };
  for (int k = 0; k < 3; ++k) {
    const std::string c = "case" + std::to_string(k) + ".";
    Tensor iuv = golden(f, c + "iuv").to(d), x = golden(f, c + "x").to(d);
    expect_golden(host(encode_iuv(iuv)), golden(f, c + "enc"), 1e-6, c + "enc");
    UVGrid g = iuv_to_grid(iuv, S);
    expect_golden(host(g.grid), golden(f, c + "grid"), 1e-6, c + "grid");
    expect_golden(host(g.fg), golden(f, c + "fg"), 0, c + "fg");
    Splat s = uv_splat(x, g.grid, g.fg, S);
    Texture t = splat_normalise(s.acc, s.w);
    expect_golden(host(t.tex), golden(f, c + "tex"), 1e-5, c + "tex");
    expect_golden(host(t.M), golden(f, c + "M"), 0, c + "M");
    expect_golden(host(mul(grid_sample(t.tex, g.grid), g.fg)), golden(f, c + "y_rec"), 1e-5, c + "y_rec");
  }
}

#endif  // DPT_WITH_CUDA
