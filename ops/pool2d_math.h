// The 2x2 window's first maximum in row-major order (PyTorch's tie rule), shared by backends.
#pragma once
#include <cstdint>

#include "core/dispatch.h"

namespace dpt {

// plane: one [H, W] plane; returns the flat index of the maximum of the window at output (oy, ox).
// NaN wins, as in PyTorch.
template <class T>
DPT_HD inline int64_t max_pool_argmax(const T* plane, int64_t W, int64_t oy, int64_t ox) {
  int64_t best = (2 * oy) * W + 2 * ox;
  const int64_t cand[3] = {best + 1, best + W, best + W + 1};
  for (int k = 0; k < 3; ++k) {
    T v = plane[cand[k]], b = plane[best];
    if (v > b || (v != v && b == b)) best = cand[k];
  }
  return best;
}

}  // namespace dpt
