// The CUDA emulation layer (test-only, DPT_CUDA=EMU): the part of CUDA C++ that our kernels use,
// for g++, so the same ops/cuda/*.cu sources run on the CPU. See Note [CUDA emulation] below.
#pragma once
#ifndef DPT_CUDA_EMU
#error "ops/cuda/emu/emu.h is only for the emulation build (DPT_CUDA=EMU)"
#endif
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <type_traits>

// Note [CUDA emulation]
// - A launch runs its blocks one after the other on the calling thread, under one process-wide lock.
//   The threads of a block are fibers (ucontext) scheduled round-robin: each runs until it returns or
//   reaches __syncthreads(); when every live thread waits at the barrier, all are released. A thread
//   that returns drops out of later barriers (as on sm_70+). Even blocks run their threads in order
//   0..n-1, odd blocks in reverse, so a missing barrier shows up as a read of stale shared memory.
// - threadIdx/blockIdx/blockDim/gridDim are globals the scheduler sets before resuming a fiber.
// - `__shared__` is `static`: one copy per kernel instantiation, which is one copy per block because
//   only one block runs at a time. It keeps the previous block's values (real shared memory starts
//   undefined); dynamic shared memory (DPT_DYNAMIC_SHARED) is poisoned with 0xFF bytes (NaN) before
//   every block and guarded at both ends.
// - A barrier whose waiting threads stand at different __syncthreads() lines is reported as an
//   error (it is undefined behaviour in CUDA), naming the kernel, the block and both lines.
// - A watchdog thread aborts with the kernel, block and thread when a block runs for longer than
//   DPT_EMU_TIMEOUT seconds (default 300): an emulated thread spinning on another one never yields.
// - Device memory lives in its own arena (emu_memory), poisoned on allocation, with guard bytes
//   around every block that are checked after every launch, and read/write-protected whenever no
//   kernel or copy runs: host code that dereferences a device pointer gets SIGSEGV with a message,
//   as it would on a GPU. Pointer arguments of a launch must point into the arena.
// - atomicAdd on float/double is a CAS loop; no warp-level primitives are provided (kernels use
//   shared-memory reductions), so nothing relies on lock-step warps.

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
};

extern uint3 threadIdx;
extern uint3 blockIdx;
extern dim3 blockDim;
extern dim3 gridDim;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __syncthreads() ::dpt::cuda::emu::syncthreads(__FILE__, __LINE__)
// Dynamic shared memory (the launch's smem bytes), as a typed pointer: DPT_DYNAMIC_SHARED(float, buf);
#define DPT_DYNAMIC_SHARED(type, name) type* name = reinterpret_cast<type*>(::dpt::cuda::emu::dynamic_shared())

namespace dpt::cuda::emu {

void syncthreads(const char* file, int line);
void* dynamic_shared();

// Runs `body` once per thread of every block of the grid (see the Note). Throws dpt::Error on a
// divergent barrier or a guard-byte overrun (of device memory or of dynamic shared memory).
void run_grid(const char* kernel, dim3 grid, dim3 block, size_t dynamic_smem, const std::function<void()>& body);

// ---- emulated device memory
void* device_alloc(size_t bytes);           // poisoned with 0xFF bytes; nullptr when the arena is full
void device_free(void* p, size_t bytes);   // checks the guard bytes
// Block p is handed out for `used` bytes: those are poisoned, the rest of the block becomes guard.
void device_set_used(void* p, size_t used);
bool is_device_pointer(const void* p);     // inside the arena (any block, or one past its end)
void check_guards(const char* after_what);  // every live block; throws naming the block and `after_what`
// While one is alive (nestable), host code may touch device memory (kernels, copies, the CPU GEMM).
class HostAccess {
 public:
  HostAccess();
  ~HostAccess();
  HostAccess(const HostAccess&) = delete;
  HostAccess& operator=(const HostAccess&) = delete;
};

// Launch statistics, for tests of the emulator itself.
struct Stats {
  int64_t launches = 0;
  int64_t blocks = 0;
  int64_t barriers = 0;  // released barrier phases
};
Stats stats();

}  // namespace dpt::cuda::emu

// ---- atomics (the emulated threads run one at a time, but OpenMP host code may share the memory)
template <class T>
inline T dpt_emu_atomic_add_float(T* address, T val) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "float or double");
  using Bits = typename std::conditional<sizeof(T) == 4, uint32_t, uint64_t>::type;
  Bits* p = reinterpret_cast<Bits*>(address);
  Bits old_bits = __atomic_load_n(p, __ATOMIC_RELAXED);
  for (;;) {
    T old_val, new_val;
    std::memcpy(&old_val, &old_bits, sizeof(T));
    new_val = old_val + val;
    Bits new_bits;
    std::memcpy(&new_bits, &new_val, sizeof(T));
    if (__atomic_compare_exchange_n(p, &old_bits, new_bits, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
      return old_val;
  }
}
inline float atomicAdd(float* address, float val) { return dpt_emu_atomic_add_float(address, val); }
inline double atomicAdd(double* address, double val) { return dpt_emu_atomic_add_float(address, val); }
inline int atomicAdd(int* address, int val) { return __atomic_fetch_add(address, val, __ATOMIC_RELAXED); }
inline unsigned atomicAdd(unsigned* address, unsigned val) { return __atomic_fetch_add(address, val, __ATOMIC_RELAXED); }
inline unsigned long long atomicAdd(unsigned long long* address, unsigned long long val) {
  return __atomic_fetch_add(address, val, __ATOMIC_RELAXED);
}
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
