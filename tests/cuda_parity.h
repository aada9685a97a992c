// Helpers of the CUDA parity tests (tests/test_cuda_*.cpp, test cases emu/*): run an op on the CPU and
// on the CUDA device (the emulator in DPT_CUDA=EMU builds, a GPU in DPT_CUDA=ON builds), forward and
// backward, and compare with expect_close. Without a GPU the cases skip.
#pragma once
#ifdef DPT_WITH_CUDA
#include <doctest/doctest.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "ops/cuda/runtime.h"
#include "tests/test_util.h"

namespace dpt::test {

// True when CUDA tensors can be used; otherwise the calling case skips (Note [skipped tests]) and returns.
inline bool cuda_ready() {
  static const bool ok = cuda::device_count() > 0;
  if (!ok)
    skip(std::string("no CUDA device (") + cuda::no_device_reason() +
         "): the emu/* parity cases need a GPU in this build; configure with -DDPT_CUDA=EMU to run them on "
         "the CUDA emulator");
  return ok;
}
#define DPT_REQUIRE_CUDA() \
  do {                     \
    if (!::dpt::test::cuda_ready()) return; \
  } while (0)

inline Device cuda_dev() { return Device::cuda(cuda::current_device()); }

// Uniform values in [lo, hi) of the given dtype on the CPU (no grad), deterministic from seed.
inline Tensor uniform_tensor(const Shape& shape, uint64_t seed, DType dtype = DType::F32, double lo = -1.0,
                             double hi = 1.0) {
  Tensor t = Tensor::empty(shape, DType::F64);
  Generator gen(seed);
  uniform_(t, lo, hi, gen);
  return t.to(dtype);
}

// The dtypes every parity case runs in.
inline constexpr DType kParityDtypes[] = {DType::F32, DType::F64};

// Default tolerances of a dtype: float32 results differ by summation order and FMA contraction only.
inline double parity_atol(DType t) { return t == DType::F32 ? 1e-5 : 1e-11; }
inline double parity_rtol(DType t) { return t == DType::F32 ? 1e-5 : 1e-10; }
// Tolerance of the GEMM-based ops: cuBLAS (or the emulator's cblas on other block sizes) sums the
// products in another order than the CPU kernels.
inline double gemm_tol(DType t) { return t == DType::F32 ? 1e-4 : 1e-10; }

using ParityFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs fn on CPU copies and on CUDA copies of `inputs` (CPU tensors; those with diff[k] become leaves
// requiring grad; diff empty = all), compares the outputs, then back-propagates one random cotangent
// on both sides and compares every input gradient. Tolerances default to parity_atol/rtol of the
// first input's dtype.
inline void check_parity(const std::string& what, const ParityFn& fn, const std::vector<Tensor>& inputs,
                         std::vector<bool> diff = {}, double atol = -1, double rtol = -1, bool backward = true) {
  INFO(what);
  const DType dt = inputs.at(0).dtype();
  if (atol < 0) atol = parity_atol(dt);
  if (rtol < 0) rtol = parity_rtol(dt);
  if (diff.empty()) diff.assign(inputs.size(), true);
  std::vector<Tensor> cpu_in, cuda_in;
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor c = inputs[k].detach().clone().detach();
    Tensor g = inputs[k].detach().to(cuda_dev()).detach();
    if (backward && diff[k]) {
      c.set_requires_grad(true);
      g.set_requires_grad(true);
    }
    cpu_in.push_back(c);
    cuda_in.push_back(g);
  }
  Tensor out_cpu = fn(cpu_in);
  const long long launches = cuda::launch_count();
  Tensor out_cuda = fn(cuda_in);
  REQUIRE_MESSAGE(out_cuda.device().is_cuda(), what << ": the result is on " << out_cuda.device().str());
  REQUIRE_MESSAGE(cuda::launch_count() > launches, what << ": no CUDA kernel ran");
  expect_close(out_cuda.to(Device::cpu()), out_cpu, atol, rtol, what + ": forward");
  if (!backward) return;
  Tensor cot = uniform_tensor(out_cpu.shape(), 777, out_cpu.dtype());
  out_cpu.backward(cot);
  out_cuda.backward(cot.to(cuda_dev()));
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!diff[k]) continue;
    Tensor gc = cpu_in[k].grad(), gg = cuda_in[k].grad();
    REQUIRE_MESSAGE(gc.defined() == gg.defined(), what << ": gradient of input " << k << " defined on one side only");
    if (!gc.defined()) continue;
    REQUIRE_MESSAGE(gg.device().is_cuda(), what << ": gradient of input " << k << " is on " << gg.device().str());
    expect_close(gg.to(Device::cpu()), gc, atol, rtol, what + ": gradient of input " + std::to_string(k));
  }
}

// A golden op case (tests/test_util.h) with the op's inputs moved to the CUDA device and its result
// moved back, so forward and backward run the CUDA kernels.
inline GoldenOpFn on_cuda(const GoldenOpFn& fn) {
  return [fn](const std::map<std::string, Tensor>& in) {
    std::map<std::string, Tensor> dev;
    for (const auto& kv : in) dev[kv.first] = kv.second.to(cuda_dev());
    Tensor out = fn(dev);
    REQUIRE_MESSAGE(out.device().is_cuda(), "golden case on CUDA: the result is on " << out.device().str());
    return out.to(Device::cpu());
  };
}

// Runs a golden check (a function of the device it runs on) on the CUDA device and requires that CUDA
// kernels ran.
inline void on_cuda_device(const std::function<void(Device)>& check) {
  const long long launches = cuda::launch_count();
  check(cuda_dev());
  CHECK_MESSAGE(cuda::launch_count() > launches, "no CUDA kernel ran");
}

}  // namespace dpt::test

#endif  // DPT_WITH_CUDA
