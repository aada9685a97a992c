// Per-element maths of the reductions along a dim (ops/reduce.h), shared by the CPU and CUDA kernels.
#pragma once
#include <cstdint>

#include "core/dispatch.h"

namespace dpt {

// Index j < n of the first maximum of x[0], x[stride], ..., x[(n - 1) stride]; the first NaN wins.
template <class T>
DPT_HD inline int64_t max_dim_argmax(const T* x, int64_t n, int64_t stride) {
  int64_t best = 0;
  T b = x[0];
  for (int64_t j = 1; j < n && b == b; ++j) {
    const T v = x[j * stride];
    if (v > b || v != v) {
      best = j;
      b = v;
    }
  }
  return best;
}

}  // namespace dpt
