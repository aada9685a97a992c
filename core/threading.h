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

}  // namespace dpt
