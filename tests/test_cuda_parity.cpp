// CUDA parity tests of the foundation ops (label emu: on the CUDA emulator; label gpu: on a GPU): every
// CUDA kernel, forward and backward, against the CPU backend, with sizes that leave partial blocks and
// need several blocks (and, under emulation's 8-block cap, the grid-stride loops); then the golden op
// cases with their inputs on the CUDA device.
#ifdef DPT_WITH_CUDA
#include <doctest/doctest.h>

#include "core/allocator.h"
#include "core/device_ops.h"
#include "ops/adam.h"
#include "ops/elementwise.h"
#include "ops/instance_norm.h"
#include "ops/loss.h"
#include "ops/pool2d.h"
#include "ops/reduce.h"
#include "tests/cuda_parity.h"

using namespace dpt;
using namespace dpt::test;

namespace {
std::string dt_str(DType t) { return dtype_name(t); }
}  // namespace

TEST_CASE("emu/device_ops") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    Tensor x = uniform_tensor({3, 5, 7, 11}, 1, dt);
    Tensor d = x.to(cuda_dev());
    CHECK(d.device().is_cuda());
    expect_close(d.to(Device::cpu()), x, 0, 0, "round trip " + dt_str(dt));
    // copy_strided: a permuted (non-contiguous) view made contiguous on the device, with conversion.
    Tensor p = d.permute({2, 0, 3, 1}).contiguous();
    expect_close(p.to(Device::cpu()), x.permute({2, 0, 3, 1}).contiguous(), 0, 0, "permute " + dt_str(dt));
    Tensor s = d.slice(3, 2, 9).slice(1, 1, 4);
    expect_close(s.to(DType::F64).to(Device::cpu()), x.slice(3, 2, 9).slice(1, 1, 4).to(DType::F64), 0, 0,
                 "slice + convert " + dt_str(dt));
    // fill and zero_, including a non-contiguous destination.
    Tensor f = Tensor::full({1000}, 2.5, dt, cuda_dev());
    for (double v : f.to_vector()) REQUIRE(v == 2.5);
    Tensor z = uniform_tensor({4, 6}, 2, dt).to(cuda_dev());
    z.slice(1, 1, 3).zero_();
    Tensor zc = uniform_tensor({4, 6}, 2, dt);
    zc.slice(1, 1, 3).zero_();
    expect_close(z.to(Device::cpu()), zc, 0, 0, "strided fill " + dt_str(dt));
    // add_inplace (gradient accumulation).
    Tensor a = uniform_tensor({2100}, 3, dt), b = uniform_tensor({2100}, 4, dt);
    Tensor ad = a.to(cuda_dev()), bd = b.to(cuda_dev());
    device_ops(DeviceType::CUDA).add_inplace(ad, bd);
    expect_close(ad.to(Device::cpu()), a + b, 0, 0, "add_inplace " + dt_str(dt));
  }
  // Device -> device copy across dtypes and back.
  Tensor h = uniform_tensor({33}, 5, DType::F64);
  Tensor g = Tensor::empty({33}, DType::F32, cuda_dev());
  g.copy_(h);
  expect_close(g.to(Device::cpu()), h.to(DType::F32), 0, 0, "host f64 -> device f32");
}

TEST_CASE("emu/elementwise unary") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    // 3001 elements: 12 blocks of 256 (the last partial); under emulation 8 blocks stride over them.
    Tensor x = uniform_tensor({3001}, 10, dt, -2, 2);
    const std::string s = " " + dt_str(dt);
    check_parity("relu" + s, [](const auto& in) { return relu(in[0]); }, {x});
    check_parity("leaky_relu" + s, [](const auto& in) { return leaky_relu(in[0], 0.2); }, {x});
    check_parity("tanh" + s, [](const auto& in) { return tanh(in[0]); }, {x});
    check_parity("abs" + s, [](const auto& in) { return abs(in[0]); }, {x});
    check_parity("square" + s, [](const auto& in) { return square(in[0]); }, {x});
    check_parity("add_scalar" + s, [](const auto& in) { return in[0] + 0.75; }, {x});
    check_parity("mul_scalar" + s, [](const auto& in) { return in[0] * -1.5; }, {x});
    check_parity("small" + s, [](const auto& in) { return tanh(in[0]); }, {uniform_tensor({2, 3}, 11, dt)});
  }
}

TEST_CASE("emu/elementwise binary and broadcasting") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    const std::string s = " " + dt_str(dt);
    auto f = [](const auto& in) { return (in[0] * in[1] - in[2]) + in[1]; };
    check_parity("same shape" + s, f, {uniform_tensor({7, 300}, 20, dt), uniform_tensor({7, 300}, 21, dt),
                                       uniform_tensor({7, 300}, 22, dt)});
    // The model's broadcasts: masks [N,1,H,W], per-channel [1,C,1,1]; gradients go through sum_to.
    check_parity("nchw broadcast" + s, f, {uniform_tensor({2, 3, 20, 30}, 23, dt), uniform_tensor({2, 1, 20, 30}, 24, dt),
                                           uniform_tensor({1, 3, 1, 1}, 25, dt)});
    check_parity("rank broadcast" + s, f, {uniform_tensor({40, 50}, 26, dt), uniform_tensor({50}, 27, dt),
                                           uniform_tensor({40, 1}, 28, dt)});
    check_parity("both sides" + s, [](const auto& in) { return in[0] - in[1]; },
                 {uniform_tensor({4, 1, 5, 1}, 29, dt), uniform_tensor({3, 1, 6}, 30, dt)});
  }
}

TEST_CASE("emu/reduce") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    const std::string s = " " + dt_str(dt);
    // Full sums: one chunk, and several 4096-element chunks combined in a second pass.
    check_parity("sum 1000" + s, [](const auto& in) { return sum(in[0]); }, {uniform_tensor({10, 100}, 40, dt)});
    check_parity("sum 9000" + s, [](const auto& in) { return sum(in[0]); }, {uniform_tensor({9000}, 41, dt)});
    check_parity("mean" + s, [](const auto& in) { return mean(square(in[0])); }, {uniform_tensor({3, 777}, 42, dt)});
    // Row sums over a long inner dim (block per output and chunk) and over the outer dim.
    check_parity("sum_to [3,1] from [3,5000]" + s, [](const auto& in) { return sum_to(in[0], {3, 1}); },
                 {uniform_tensor({3, 5000}, 43, dt)});
    check_parity("sum_to [1,100] from [70,100]" + s, [](const auto& in) { return sum_to(in[0], {1, 100}); },
                 {uniform_tensor({70, 100}, 44, dt)});
    // Many short sums: one thread per output.
    check_parity("sum_to [1,3,1,5]" + s, [](const auto& in) { return sum_to(in[0], {1, 3, 1, 5}); },
                 {uniform_tensor({2, 3, 4, 5}, 45, dt)});
    check_parity("sum_to [1,4100] from [3,4100]" + s, [](const auto& in) { return sum_to(in[0], {1, 4100}); },
                 {uniform_tensor({3, 4100}, 46, dt)});
    check_parity("sum_to [C] of NCHW" + s, [](const auto& in) { return sum_to(in[0], {3, 1, 1}); },
                 {uniform_tensor({2, 3, 9, 11}, 47, dt)});
  }
}

TEST_CASE("emu/instance_norm") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    const std::string s = " " + dt_str(dt);
    auto f = [](const auto& in) { return instance_norm(in[0]); };
    check_parity("planes of 35" + s, f, {uniform_tensor({2, 3, 5, 7}, 50, dt)});
    check_parity("planes of 300" + s, f, {uniform_tensor({1, 4, 15, 20}, 51, dt)});
    // 4500 > 4096: the chunked partial-sums + apply kernels.
    check_parity("planes of 4500 (2 chunks)" + s, f, {uniform_tensor({1, 2, 50, 90}, 52, dt)});
    check_parity("large mean" + s, f, {uniform_tensor({1, 2, 6, 6}, 53, dt, 50.0, 50.1)}, {}, dt == DType::F32 ? 1e-3 : -1,
                 dt == DType::F32 ? 1e-3 : -1);
  }
  // Note [IN numerics]: a constant plane gives exactly 0 forward and backward on CUDA too.
  for (DType dt : kParityDtypes)
    for (Shape shape : {Shape{2, 3, 4, 5}, Shape{1, 1, 70, 70}}) {
      Tensor x = Tensor::full(shape, 0.7, dt, cuda_dev()).set_requires_grad(true);
      Tensor y = instance_norm(x);
      for (double v : y.to_vector()) REQUIRE(v == 0.0);
      y.backward(Tensor::full(shape, 1.25, dt, cuda_dev()));
      for (double v : x.grad().to_vector()) REQUIRE(v == 0.0);
    }
}

TEST_CASE("emu/max_pool2d") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    const std::string s = " " + dt_str(dt);
    auto f = [](const auto& in) { return max_pool2d_2x2(in[0]); };
    check_parity("even" + s, f, {uniform_tensor({2, 3, 6, 8}, 60, dt)});
    check_parity("odd" + s, f, {uniform_tensor({2, 3, 7, 9}, 61, dt)});
    check_parity("several blocks" + s, f, {uniform_tensor({1, 2, 41, 37}, 62, dt)});
  }
  // Ties go to the first maximum (row-major), exactly as on the CPU.
  Tensor x = Tensor::from_vector(std::vector<float>{3, 3, 1, 3, 2, 5, 5, 5}, {1, 1, 2, 4});
  check_parity("ties", [](const auto& in) { return max_pool2d_2x2(in[0]); }, {x}, {}, 0, 0);
}

TEST_CASE("emu/adam") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    Tensor p = uniform_tensor({3001}, 70, dt), m = Tensor::zeros({3001}, dt), v = Tensor::zeros({3001}, dt);
    Tensor pd = p.to(cuda_dev()), md = m.to(cuda_dev()), vd = v.to(cuda_dev());
    AdamHyper h;
    h.lr = 1e-2;
    for (int64_t step = 1; step <= 3; ++step) {
      Tensor g = uniform_tensor({3001}, 80 + step, dt);
      Tensor gd = g.to(cuda_dev());
      adam_update_(p, g, m, v, step, h);
      adam_update_(pd, gd, md, vd, step, h);
    }
    const double tol = dt == DType::F32 ? 1e-6 : 1e-13;
    expect_close(pd.to(Device::cpu()), p, tol, tol, "adam p " + dt_str(dt));
    expect_close(md.to(Device::cpu()), m, tol, tol, "adam m " + dt_str(dt));
    expect_close(vd.to(Device::cpu()), v, tol, tol, "adam v " + dt_str(dt));
  }
}

TEST_CASE("emu/losses") {
  DPT_REQUIRE_CUDA();
  Tensor a = uniform_tensor({2, 3, 17, 19}, 90), b = uniform_tensor({2, 3, 17, 19}, 91);
  check_parity("l1_loss", [](const auto& in) { return l1_loss(in[0], in[1]); }, {a, b});
  check_parity("mse_loss", [](const auto& in) { return mse_loss(in[0], in[1]); }, {a, b});
  check_parity("lsgan_d_loss", [](const auto& in) { return lsgan_d_loss(in[0], in[1]); }, {a, b});
  check_parity("lsgan_g_loss", [](const auto& in) { return lsgan_g_loss(in[0]); }, {a});
  Tensor M = uniform_tensor({2, 1, 17, 19}, 92, DType::F32, 0, 1);
  check_parity("masked_l1", [](const auto& in) { return masked_l1(in[0], in[1], in[2]); }, {a, b, M},
               {true, false, false});
}

// The golden op cases of tests/test_elementwise.cpp, test_norm_pool.cpp and test_loss_adam.cpp, through
// the CUDA kernels (tolerances as there).
TEST_CASE("emu/golden/activations") {
  DPT_REQUIRE_CUDA();
  golden_op_case("relu", {"x"}, {"x"}, on_cuda([](const auto& in) { return relu(in.at("x")); }), 0.0);
  golden_op_case("leaky_relu", {"x"}, {"x"}, on_cuda([](const auto& in) { return leaky_relu(in.at("x"), 0.2); }), 1e-5);
  golden_op_case("tanh", {"x"}, {"x"}, on_cuda([](const auto& in) { return tanh(in.at("x")); }), 1e-5);
}

TEST_CASE("emu/golden/instance_norm") {
  DPT_REQUIRE_CUDA();
  golden_op_case("instance_norm", {"x"}, {"x"}, on_cuda([](const auto& in) { return instance_norm(in.at("x")); }), 1e-5);
  Tensor y = instance_norm(golden("ops.safetensors", "instance_norm.x").to(cuda_dev()));
  for (double v : y.slice(1, 3, 4).to_vector()) REQUIRE(v == 0.0);
  golden_op_case("fusion_norm", {"x"}, {"x"}, on_cuda([](const auto& in) {
                   const Tensor& x = in.at("x");
                   return instance_norm(x.reshape({x.size(0), 1, x.size(1)})).reshape(x.shape());
                 }),
                 1e-5);
}

TEST_CASE("emu/golden/max_pool2d") {
  DPT_REQUIRE_CUDA();
  golden_op_case("max_pool2d", {"x"}, {"x"}, on_cuda([](const auto& in) { return max_pool2d_2x2(in.at("x")); }), 0.0);
  golden_op_case("max_pool2d_odd", {"x"}, {"x"}, on_cuda([](const auto& in) { return max_pool2d_2x2(in.at("x")); }),
                 0.0);
}

TEST_CASE("emu/golden/losses") {
  DPT_REQUIRE_CUDA();
  golden_op_case("l1_loss", {"a", "b"}, {"a", "b"}, on_cuda([](const auto& in) { return l1_loss(in.at("a"), in.at("b")); }),
                 1e-5);
  golden_op_case("mse_loss", {"a", "b"}, {"a", "b"},
                 on_cuda([](const auto& in) { return mse_loss(in.at("a"), in.at("b")); }), 1e-5);
  golden_op_case("lsgan_d_loss", {"d_real", "d_fake"}, {"d_real", "d_fake"},
                 on_cuda([](const auto& in) { return lsgan_d_loss(in.at("d_real"), in.at("d_fake")); }), 1e-5);
  golden_op_case("lsgan_g_loss", {"d_fake"}, {"d_fake"},
                 on_cuda([](const auto& in) { return lsgan_g_loss(in.at("d_fake")); }), 1e-5);
  golden_op_case("inpainting_loss", {"tex_hat", "texs", "Ms"}, {"tex_hat"}, on_cuda([](const auto& in) {
                   const Tensor &texs = in.at("texs"), &Ms = in.at("Ms");
                   std::vector<Tensor> t, m;
                   for (int64_t b = 0; b < texs.size(0); ++b) {
                     t.push_back(texs.select(0, b));
                     m.push_back(Ms.select(0, b));
                   }
                   return inpainting_loss(in.at("tex_hat"), t, m);
                 }),
                 1e-5);
}

#endif  // DPT_WITH_CUDA
