// Index maths of reflection padding (ops/pad.h), per axis, shared by the CPU and CUDA kernels.
#pragma once
#include <cstdint>

#include "core/dispatch.h"

namespace dpt {

// Input index read by output index o of an axis of n inputs padded by `before` (needs before < n and
// the pad after < n): mirror without repeating the edge.
DPT_HD inline int64_t reflect_index(int64_t o, int64_t before, int64_t n) {
  int64_t i = o - before;
  if (i < 0) i = -i;
  if (i >= n) i = 2 * (n - 1) - i;
  return i;
}

// The output indices (ascending, at most 3) that read input index i; returns their count.
DPT_HD inline int reflect_sources(int64_t i, int64_t before, int64_t after, int64_t n, int64_t* o) {
  int k = 0;
  if (i >= 1 && i <= before) o[k++] = before - i;                 // left / top mirror
  o[k++] = before + i;                                             // the pixel itself
  if (i <= n - 2 && i >= n - 1 - after) o[k++] = before + 2 * (n - 1) - i;  // right / bottom mirror
  return k;
}

// gx at (y, x) of one plane: the sum of gout [Ho, Wo] over the outputs that read it, row-major order.
template <class T>
DPT_HD inline T reflect_gather_grad(const T* gout, int64_t y, int64_t x, int64_t H, int64_t W, int64_t top,
                                    int64_t bottom, int64_t left, int64_t right) {
  int64_t oy[3], ox[3];
  const int ny = reflect_sources(y, top, bottom, H, oy), nx = reflect_sources(x, left, right, W, ox);
  const int64_t Wo = W + left + right;
  T s = T(0);
  for (int a = 0; a < ny; ++a)
    for (int b = 0; b < nx; ++b) s += gout[oy[a] * Wo + ox[b]];
  return s;
}

}  // namespace dpt
