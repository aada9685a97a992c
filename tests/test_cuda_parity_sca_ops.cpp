// CUDA parity tests of the SCA-GAN ops (label emu: on the CUDA emulator; label gpu: on a GPU): batch norm
// (both modes, running statistics), reflection padding, dropout, the contextual loss, forward and backward
// against the CPU backend, then their golden cases (tests/data/golden/sca) with the inputs on the device.
#ifdef DPT_WITH_CUDA
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "layers/batch_norm.h"
#include "ops/batch_norm.h"
#include "ops/contextual_loss.h"
#include "ops/dropout.h"
#include "ops/pad.h"
#include "tests/cuda_parity.h"
#include "tests/sca_golden_ops.h"

using namespace dpt;
using namespace dpt::test;

TEST_CASE("emu/batch_norm") {
  DPT_REQUIRE_CUDA();
  // [2, 3, 5, 4]: one chunk per channel; [2, 2, 96, 100]: 19200 values per channel, two chunks.
  for (const Shape& shape : {Shape{2, 3, 5, 4}, Shape{2, 2, 96, 100}})
    for (DType dt : kParityDtypes)
      for (bool training : {true, false}) {
        const int64_t C = shape[1];
        const std::string what = std::string("batch_norm ") + shape_str(shape) + (training ? " train " : " eval ") +
                                 dtype_name(dt);
        Tensor rm = uniform_tensor({C}, 150, dt), rv = uniform_tensor({C}, 151, dt, 0.5, 2.0);
        Tensor rm_cpu = rm.clone(), rv_cpu = rv.clone(), rm_dev = rm.to(cuda_dev()), rv_dev = rv.to(cuda_dev());
        check_parity(
            what,
            [&](const auto& v) {
              const bool dev = v[0].device().is_cuda();
              return batch_norm(v[0], v[1], v[2], dev ? rm_dev : rm_cpu, dev ? rv_dev : rv_cpu, training);
            },
            {uniform_tensor(shape, 152, dt, 5.0, 5.5), uniform_tensor({C}, 153, dt, 0.5, 1.5),
             uniform_tensor({C}, 154, dt)});
        expect_close(rm_dev.to(Device::cpu()), rm_cpu, parity_atol(dt), parity_rtol(dt), what + ": running_mean");
        expect_close(rv_dev.to(Device::cpu()), rv_cpu, parity_atol(dt), parity_rtol(dt), what + ": running_var");
      }
}

TEST_CASE("emu/batch_norm2d layer: to(device) moves the buffers, train mode updates them there") {
  DPT_REQUIRE_CUDA();
  BatchNorm2d cpu(3), dev(3);
  dev.to(cuda_dev());
  for (auto& t : dev.named_state()) CHECK(t.second.device().is_cuda());
  Tensor x = uniform_tensor({2, 3, 6, 5}, 190, DType::F32, -2.0, 3.0);
  for (int step = 0; step < 2; ++step) {
    expect_close(dev.forward(x.to(cuda_dev())).to(Device::cpu()), cpu.forward(x), 1e-5, 1e-5, "train forward");
    for (auto& t : dev.named_buffers())
      expect_close(t.second.to(Device::cpu()), cpu.state_dict().at(t.first), 1e-6, 1e-6, t.first + " on the device");
  }
  dev.eval();
  cpu.eval();
  expect_close(dev.forward(x.to(cuda_dev())).to(Device::cpu()), cpu.forward(x), 1e-5, 1e-5, "eval forward");
}

TEST_CASE("emu/reflection_pad2d") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes)
    for (const Pad2d& p : {Pad2d{1, 1, 1, 1}, Pad2d{3, 3, 3, 3}, Pad2d{0, 2, 3, 1}})
      check_parity(std::string("reflection_pad2d ") + dtype_name(dt) + " " + std::to_string(p.left) +
                       std::to_string(p.right) + std::to_string(p.top) + std::to_string(p.bottom),
                   [p](const auto& v) { return reflection_pad2d(v[0], p); }, {uniform_tensor({2, 3, 9, 7}, 160, dt)});
}

TEST_CASE("emu/dropout") {
  DPT_REQUIRE_CUDA();
  for (DType dt : kParityDtypes) {
    Generator gm(3);
    Tensor mask = dropout_mask({2, 4, 33, 17}, 0.5, gm, dt);
    Tensor mask_dev = mask.to(cuda_dev());
    check_parity(std::string("dropout_masked ") + dtype_name(dt),
                 [&](const auto& v) { return dropout_masked(v[0], v[0].device().is_cuda() ? mask_dev : mask, 0.5); },
                 {uniform_tensor({2, 4, 33, 17}, 170, dt)});
    // A seed gives the same mask on both devices (Note [RNG]).
    Generator g1(11), g2(11);
    Tensor x = uniform_tensor({3, 5, 7}, 171, dt);
    expect_close(dropout(x.to(cuda_dev()), 0.3, true, g2).to(Device::cpu()), dropout(x, 0.3, true, g1), 0, 0,
                 "dropout seeded on both devices");
    Generator g3(12), g4(12);
    const long long launches = cuda::launch_count();
    Tensor dev_mask = dropout_mask({5, 4, 37, 11}, 0.5, g4, dt, cuda_dev());
    CHECK(cuda::launch_count() > launches);  // drawn by a kernel on the device
    expect_close(dev_mask.to(Device::cpu()), dropout_mask({5, 4, 37, 11}, 0.5, g3, dt), 0, 0,
                 "dropout_mask drawn on the device");
  }
}

TEST_CASE("emu/contextual_loss") {
  DPT_REQUIRE_CUDA();
  CxParams sharp;
  sharp.sigma = 0.2;
  sharp.b = 0.7;
  for (DType dt : kParityDtypes) {
    const std::string s = std::string(" ") + dtype_name(dt);
    check_parity("contextual_loss" + s, [](const auto& v) { return contextual_loss(v[0], v[1]); },
                 {uniform_tensor({2, 6, 4, 3}, 180, dt), uniform_tensor({2, 6, 3, 5}, 181, dt)}, {false, true},
                 gemm_tol(dt), gemm_tol(dt));
    // More than 256 positions on both sides (grid-stride loops, several rows per thread in the max).
    check_parity("contextual_loss 300x270 positions" + s,
                 [sharp](const auto& v) { return contextual_loss(v[0], v[1], sharp); },
                 {uniform_tensor({1, 8, 20, 15}, 182, dt), uniform_tensor({1, 8, 18, 15}, 183, dt)}, {false, true},
                 gemm_tol(dt), gemm_tol(dt));
  }
}

TEST_CASE("emu/golden/sca_ops") {
  DPT_REQUIRE_CUDA();
  sca_golden_case("batch_norm_eval", {"x", "w", "b", "rm", "rv"}, {"x", "w", "b"}, on_cuda([](const auto& in) {
                    return batch_norm(in.at("x"), in.at("w"), in.at("b"), in.at("rm"), in.at("rv"), false);
                  }),
                  1e-4, 1e-4);
  sca_golden_case("batch_norm_train", {"x", "w", "b", "rm", "rv"}, {"x", "w", "b"}, on_cuda([](const auto& in) {
                    Tensor rm = in.at("rm").clone(), rv = in.at("rv").clone();
                    Tensor y = batch_norm(in.at("x"), in.at("w"), in.at("b"), rm, rv, true);
                    expect_golden(rm.to(Device::cpu()), golden(kScaOps, "batch_norm_train.running_mean"), 1e-4,
                                  "batch_norm_train.running_mean on CUDA");
                    expect_golden(rv.to(Device::cpu()), golden(kScaOps, "batch_norm_train.running_var"), 1e-4,
                                  "batch_norm_train.running_var on CUDA");
                    return y;
                  }),
                  1e-4, 1e-4);
  for (int pad : {1, 3})
    sca_golden_case("reflection_pad" + std::to_string(pad), {"x"}, {"x"},
                    on_cuda([pad](const auto& in) { return reflection_pad2d(in.at("x"), pad); }), 1e-5, 1e-5);
  sca_golden_case("dropout_mask", {"x", "mask"}, {"x"},
                  on_cuda([](const auto& in) { return dropout_masked(in.at("x"), in.at("mask"), 0.5); }), 0.0, 0.0);
  sca_cx_golden_cases([](const GoldenOpFn& fn) { return on_cuda(fn); });
}

#endif  // DPT_WITH_CUDA
