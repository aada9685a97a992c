// What every ops/cuda/*.cu includes: the CUDA surface (nvcc's, or the emulator's in DPT_CUDA=EMU builds),
// the one kernel-launch helper that differs between the two, streams, and grid-size helpers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "core/dispatch.h"
#include "core/error.h"
#include "ops/cuda/runtime.h"

#ifdef DPT_CUDA_EMU
#include "ops/cuda/emu/emu.h"
#else
#include <cuda_runtime.h>
// Dynamic shared memory as a typed pointer: DPT_DYNAMIC_SHARED(float, buf); (see ops/cuda/emu/emu.h)
#define DPT_DYNAMIC_SHARED(type, name)                       \
  extern __shared__ __align__(16) unsigned char dpt_dyn_smem_[]; \
  type* name = reinterpret_cast<type*>(dpt_dyn_smem_)
#endif

namespace dpt::cuda {

#ifdef DPT_CUDA_EMU
using Stream = void*;  // every emulated launch is synchronous
#else
using Stream = cudaStream_t;
// Throws dpt::Error naming `what` and the CUDA error.
void check(cudaError_t err, const char* what);
#endif

// The stream all kernels, copies and cuBLAS calls of the current device are ordered on.
Stream current_stream();
// Grid-stride kernels use at most this many blocks: 32 per SM on a GPU; 8 under emulation, so that
// the tests cover the stride loop with small tensors.
unsigned max_grid_blocks();

constexpr int kThreads = 256;  // default block size of the 1-D kernels

// Blocks for n work items at `threads` per block, capped by max_grid_blocks() (grid-stride loops).
inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  int64_t b = (n + threads - 1) / threads;
  int64_t cap = max_grid_blocks();
  return static_cast<unsigned>(b < 1 ? 1 : (b > cap ? cap : b));
}
// Blocks for n work items when every item needs its own thread (no stride loop).
inline unsigned blocks_exact(int64_t n, int threads = kThreads) {
  int64_t b = (n + threads - 1) / threads;
  DPT_CHECK(b < (int64_t(1) << 31), "cuda: grid of " << b << " blocks is too large");
  return static_cast<unsigned>(b < 1 ? 1 : b);
}

void check_launch(const char* name, dim3 grid, dim3 block, size_t smem);
// Counts a cuBLAS / cuDNN call (or its emulated CPU stand-in) in launch_count().
void count_library_call();
#ifdef DPT_CUDA_EMU
void check_pointer_arg(const char* name, int index, const void* p);
template <class A>
void check_arg(const char* name, int index, const A& a) {
  if constexpr (std::is_pointer<A>::value) check_pointer_arg(name, index, static_cast<const void*>(a));
}
#else
void check_last_launch(const char* name);
#endif

// The only place where the two builds differ: kernel<<<grid, block, smem, stream>>>(args...) under nvcc,
// the emulator's block runner otherwise. `name` appears in error messages (and the emulator's watchdog).
template <class... KArgs, class... Args>
void launch(const char* name, void (*kernel)(KArgs...), dim3 grid, dim3 block, size_t smem, Stream stream,
            Args&&... args) {
  static_assert(sizeof...(KArgs) == sizeof...(Args), "launch: wrong number of kernel arguments");
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) return;  // no work
  check_launch(name, grid, block, smem);
#ifdef DPT_CUDA_EMU
  (void)stream;
  std::tuple<std::decay_t<KArgs>...> a(static_cast<KArgs>(std::forward<Args>(args))...);
  int index = 0;
  std::apply([&](const auto&... v) { (check_arg(name, index++, v), ...); }, a);
  emu::run_grid(name, grid, block, smem, [&] { std::apply(kernel, a); });
#else
  kernel<<<grid, block, smem, stream>>>(static_cast<KArgs>(std::forward<Args>(args))...);
  check_last_launch(name);
#endif
}

// launch() with the kernel's name taken from the source: DPT_LAUNCH(my_kernel<float>, grid, block, 0, s, args...)
#define DPT_LAUNCH(kernel, grid, block, smem, stream, ...) \
  ::dpt::cuda::launch(#kernel, kernel, grid, block, smem, stream, __VA_ARGS__)

// Grid-stride loop over [0, n) in int64.
#define DPT_KERNEL_LOOP(i, n)                                                                  \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);    \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

}  // namespace dpt::cuda
