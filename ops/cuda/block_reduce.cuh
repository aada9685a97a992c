// Block-wide sums through shared memory (no warp shuffles, so they run under the emulator too):
// a fixed tree over the threads, hence deterministic for a given block size.
#pragma once
#include "ops/cuda/launch.cuh"

namespace dpt::cuda {

// Sums v over the kBlock threads of a 1-D block (kBlock a power of two, equal to blockDim.x).
// buf: __shared__ T[kBlock]. Every thread must call it; every thread gets the sum.
// Ends with a barrier, so buf may be reused right after.
template <int kBlock, class T>
__device__ inline T block_sum(T v, T* buf) {
  static_assert((kBlock & (kBlock - 1)) == 0 && kBlock <= 1024, "block size must be a power of two");
  const unsigned t = threadIdx.x;
  buf[t] = v;
  __syncthreads();
  for (int s = kBlock / 2; s > 0; s >>= 1) {
    if (t < static_cast<unsigned>(s)) buf[t] += buf[t + s];
    __syncthreads();
  }
  T total = buf[0];
  __syncthreads();
  return total;
}

// Two sums at once (fewer barriers): *a and *b are replaced by their block sums.
template <int kBlock, class T>
__device__ inline void block_sum2(T* a, T* b, T* buf_a, T* buf_b) {
  static_assert((kBlock & (kBlock - 1)) == 0 && kBlock <= 1024, "block size must be a power of two");
  const unsigned t = threadIdx.x;
  buf_a[t] = *a;
  buf_b[t] = *b;
  __syncthreads();
  for (int s = kBlock / 2; s > 0; s >>= 1) {
    if (t < static_cast<unsigned>(s)) {
      buf_a[t] += buf_a[t + s];
      buf_b[t] += buf_b[t + s];
    }
    __syncthreads();
  }
  *a = buf_a[0];
  *b = buf_b[0];
  __syncthreads();
}

}  // namespace dpt::cuda
