// Tests of the CUDA emulator itself (DPT_CUDA=EMU builds, label emu): shared memory and barriers,
// threads that exit early, divergent barriers, dynamic shared memory poisoning and guards, atomics,
// device-memory guards, host pointers passed to kernels, and host code touching device memory.
// The kernels here are plain C++ compiled against ops/cuda/emu/emu.h, like the .cu files.
#ifdef DPT_CUDA_EMU
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <vector>

#include "core/tensor.h"
#include "ops/cuda/block_reduce.cuh"
#include "ops/cuda/launch.cuh"

using namespace dpt;
using namespace dpt::cuda;

namespace {

// Reverses each block's 64-element slice of x through static shared memory (needs the barrier).
__global__ void reverse_kernel(const float* x, float* y, int64_t n) {
  __shared__ float buf[64];
  const int64_t i = static_cast<int64_t>(blockIdx.x) * 64 + threadIdx.x;
  buf[threadIdx.x] = i < n ? x[i] : -1.0f;
  __syncthreads();
  const int64_t j = static_cast<int64_t>(blockIdx.x) * 64 + (63 - threadIdx.x);
  if (j < n) y[j] = buf[threadIdx.x];
}

// Threads >= active return at once; the others pass values around a ring `rounds` times.
__global__ void early_exit_kernel(float* out, int active, int rounds) {
  __shared__ float ring[32];
  const int t = static_cast<int>(threadIdx.x);
  if (t >= active) return;
  ring[t] = static_cast<float>(t);
  __syncthreads();
  for (int r = 0; r < rounds; ++r) {
    float v = ring[(t + 1) % active];
    __syncthreads();
    ring[t] = v;
    __syncthreads();
  }
  out[blockIdx.x * 32 + t] = ring[t];
}

__global__ void divergent_kernel(float* out) {
  if (threadIdx.x % 2) {
    __syncthreads();
  } else {
    __syncthreads();
  }
  out[threadIdx.x] = 1.0f;
}

// out[t] = the value of dynamic shared memory before any write (NaN: poisoned), then a block sum.
__global__ void dynamic_smem_kernel(float* before, float* sums) {
  DPT_DYNAMIC_SHARED(float, buf);
  before[blockIdx.x * blockDim.x + threadIdx.x] = buf[threadIdx.x];
  __syncthreads();
  float s = block_sum<128>(static_cast<float>(threadIdx.x), buf);
  if (threadIdx.x == 0) sums[blockIdx.x] = s;
}

__global__ void dynamic_smem_overrun_kernel(float* out) {
  DPT_DYNAMIC_SHARED(float, buf);
  buf[threadIdx.x + 1] = 1.0f;  // thread blockDim-1 writes one past the end
  out[threadIdx.x] = 0.0f;
}

template <class T>
__global__ void atomic_kernel(T* acc) {
  atomicAdd(acc, T(1));
  atomicAdd(acc + 1 + (threadIdx.x % 3), T(0.5));
}

// A tree reduction with the barrier inside the loop forgotten: wrong on a GPU (a race), and the
// emulator's in-order blocks read partial sums that are not ready yet.
__global__ void racy_sum_kernel(const float* x, float* out) {
  __shared__ float buf[64];
  const unsigned t = threadIdx.x;
  buf[t] = x[blockIdx.x * 64 + t];
  __syncthreads();
  for (unsigned s = 32; s > 0; s >>= 1)
    if (t < s) buf[t] += buf[t + s];  // missing __syncthreads() after each level
  if (t == 0) out[blockIdx.x] = buf[0];
}

__global__ void write_at_kernel(float* p, int64_t i, float v) { p[i] = v; }
__global__ void write_bits_kernel(unsigned* p, int64_t i, unsigned bits) { p[i] = bits; }

std::vector<float> host(const Tensor& t) { return t.to_float_vector(); }

}  // namespace

TEST_CASE("emu/emulator/static shared memory and barriers") {
  const int64_t n = 150;  // 3 blocks, the last one partial
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  Tensor x = Tensor::from_vector(v, {n}).to(Device::cuda());
  Tensor y = Tensor::zeros({n}, DType::F32, Device::cuda());
  const emu::Stats s0 = emu::stats();
  launch("reverse", reverse_kernel, 3, 64, 0, current_stream(), x.data<float>(), y.data<float>(), n);
  const emu::Stats s1 = emu::stats();
  CHECK(s1.launches == s0.launches + 1);
  CHECK(s1.blocks == s0.blocks + 3);
  CHECK(s1.barriers == s0.barriers + 3);
  std::vector<float> r = host(y);
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t t = 0; t < 64; ++t) {
      const int64_t j = b * 64 + (63 - t), i = b * 64 + t;
      if (j < n) CHECK(r[j] == (i < n ? static_cast<float>(i) : -1.0f));
    }
}

TEST_CASE("emu/emulator/threads that return early drop out of barriers") {
  Tensor out = Tensor::zeros({2 * 32}, DType::F32, Device::cuda());
  launch("early_exit", early_exit_kernel, 2, 32, 0, current_stream(), out.data<float>(), 5, 7);
  std::vector<float> r = host(out);
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 5; ++t) CHECK(r[b * 32 + t] == static_cast<float>((t + 7) % 5));
}

TEST_CASE("emu/emulator/a missing barrier changes the result") {
  // Block 0 runs its threads in order 0..63, block 1 in reverse (Note [CUDA emulation]): the race shows
  // in block 0, so a kernel with it fails its parity test.
  Tensor x = Tensor::ones({128}, DType::F32, Device::cuda());
  Tensor out = Tensor::zeros({2}, DType::F32, Device::cuda());
  launch("racy_sum", racy_sum_kernel, 2, 64, 0, current_stream(), x.data<float>(), out.data<float>());
  std::vector<float> r = host(out);
  CHECK(r[0] != 64.0f);
  CHECK(r[1] == 64.0f);
}

TEST_CASE("emu/emulator/divergent barrier is reported") {
  Tensor out = Tensor::zeros({8}, DType::F32, Device::cuda());
  CHECK_THROWS_WITH_AS(launch("divergent", divergent_kernel, 1, 8, 0, current_stream(), out.data<float>()),
                       doctest::Contains("divergent __syncthreads()"), Error);
}

TEST_CASE("emu/emulator/dynamic shared memory is poisoned per block and guarded") {
  Tensor before = Tensor::zeros({2 * 128}, DType::F32, Device::cuda());
  Tensor sums = Tensor::zeros({2}, DType::F32, Device::cuda());
  launch("dynamic_smem", dynamic_smem_kernel, 2, 128, 128 * sizeof(float), current_stream(), before.data<float>(),
         sums.data<float>());
  for (float v : host(before)) CHECK(std::isnan(v));
  for (float v : host(sums)) CHECK(v == 127.0f * 128.0f / 2.0f);
  Tensor out = Tensor::zeros({64}, DType::F32, Device::cuda());
  CHECK_THROWS_WITH_AS(launch("overrun", dynamic_smem_overrun_kernel, 1, 64, 64 * sizeof(float), current_stream(),
                              out.data<float>()),
                       doctest::Contains("dynamic shared memory"), Error);
}

TEST_CASE("emu/emulator/atomicAdd") {
  Tensor f = Tensor::zeros({4}, DType::F32, Device::cuda());
  Tensor d = Tensor::zeros({4}, DType::F64, Device::cuda());
  launch("atomic_f", atomic_kernel<float>, 5, 96, 0, current_stream(), f.data<float>());
  launch("atomic_d", atomic_kernel<double>, 5, 96, 0, current_stream(), d.data<double>());
  for (const Tensor& t : {f, d}) {
    std::vector<double> r = t.to_vector();
    CHECK(r[0] == 480.0);
    CHECK(r[1] == 80.0);
    CHECK(r[2] == 80.0);
    CHECK(r[3] == 80.0);
  }
}

TEST_CASE("emu/emulator/writes past a device allocation are reported") {
  Tensor t = Tensor::zeros({10}, DType::F32, Device::cuda());
  float* p = t.data<float>();
  unsigned guard_bits = 0;  // the guard pattern, to repair it afterwards
  std::memset(&guard_bits, 0xCD, sizeof guard_bits);
  CHECK_THROWS_WITH_AS(launch("write_past", write_at_kernel, 1, 1, 0, current_stream(), p, int64_t(10), 1.0f),
                       doctest::Contains("past the end of the 40-byte device block"), Error);
  launch("repair", write_bits_kernel, 1, 1, 0, current_stream(), reinterpret_cast<unsigned*>(p), int64_t(10), guard_bits);
  CHECK_THROWS_WITH_AS(launch("write_before", write_at_kernel, 1, 1, 0, current_stream(), p, int64_t(-1), 1.0f),
                       doctest::Contains("before the start"), Error);
  launch("repair", write_bits_kernel, 1, 1, 0, current_stream(), reinterpret_cast<unsigned*>(p), int64_t(-1), guard_bits);
  emu::check_guards("repaired");
}

TEST_CASE("emu/emulator/host pointers passed to a kernel are reported") {
  std::vector<float> h(4);
  CHECK_THROWS_WITH_AS(launch("host_ptr", write_at_kernel, 1, 1, 0, current_stream(), h.data(), int64_t(0), 1.0f),
                       doctest::Contains("is not device memory"), Error);
}

TEST_CASE("emu/emulator/host code touching device memory faults") {
  Tensor t = Tensor::ones({16}, DType::F32, Device::cuda());
  const float* p = t.data<float>();
  std::fflush(nullptr);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int devnull = open("/dev/null", 1);  // keep the child's diagnostic out of the test log
    if (devnull >= 0) {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    std::signal(SIGSEGV, SIG_DFL);  // doctest's crash handler would report and carry on in the child
    volatile float v = p[3];  // SIGSEGV: the arena is protected outside kernels and copies
    (void)v;
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGSEGV);
  // The same memory is fine through a copy.
  for (float v : host(t)) CHECK(v == 1.0f);
}

#endif  // DPT_CUDA_EMU
