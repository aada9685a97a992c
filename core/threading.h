// CPU parallelism: one OpenMP pool for our kernels, BLAS told the same thread count.
// The count comes from set_num_threads (tools' --threads) or DPT_THREADS, default all cores.
#pragma once
#include <cstdint>
#include <functional>

namespace dpt {

// The most threads set_num_threads accepts (the tools' --threads range is 1..kMaxThreads as well).
constexpr int kMaxThreads = 256;

int num_threads();
// n <= 0: all cores. An Error when n > kMaxThreads, or when n threads cannot be created (the system's
// limit): checked up front, because OpenMP and OpenBLAS cannot report a failed thread creation except
// by exiting, and OpenBLAS then deadlocks in its exit handler.
void set_num_threads(int n);

// Calls fn(begin, end) on contiguous chunks of [0, n) in parallel (static schedule, so a given thread
// count always splits the same way). Runs inline when n < grain or when already inside a parallel region.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Note [wait policy]
// Idle OpenMP and OpenBLAS threads spin before they sleep: libgomp 300000 iterations by default,
// OpenBLAS 2^28 cycles (~0.1 s). On cores shared with another process the spinning threads take the CPU
// from the threads that have work, and a step ran ~10x slower during a parallel build. Both runtimes read
// their settings from the environment once, when they are loaded (before main), so a tool calls
// use_bounded_wait_policy(argv) first thing in main: when none of OMP_WAIT_POLICY, GOMP_SPINCOUNT and
// OPENBLAS_THREAD_TIMEOUT is set it sets GOMP_SPINCOUNT=10000 (a few microseconds: back-to-back parallel
// regions still find their threads awake) and OPENBLAS_THREAD_TIMEOUT=4 (the minimum) and re-executes
// the program (/proc/self/exe, same argv) so the runtimes start with them. A user's own setting of any of
// the three wins (OMP_WAIT_POLICY=active restores the spinning). Returns only when no re-execution
// happened (settings present, or exec failed: the run then goes on with the runtimes' defaults).
void use_bounded_wait_policy(char** argv);

}  // namespace dpt
