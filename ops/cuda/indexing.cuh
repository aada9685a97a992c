// Index helpers of the CUDA kernels: strided offsets of up to kMaxDims dims (passed to kernels by
// value), with adjacent dims merged on the host so that most kernels do one or two div/mods.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "ops/cuda/launch.cuh"

namespace dpt::cuda {

constexpr int kMaxDims = 8;

// Offsets of two tensors (strides st0, st1) at a row-major linear index of `size`.
struct Offsets2 {
  int nd = 0;
  int64_t size[kMaxDims] = {};
  int64_t st0[kMaxDims] = {};
  int64_t st1[kMaxDims] = {};
};

DPT_HD inline void offsets2(const Offsets2& o, int64_t i, int64_t* off0, int64_t* off1) {
  int64_t a = 0, b = 0;
  for (int d = o.nd - 1; d >= 0; --d) {
    const int64_t k = i % o.size[d];
    i /= o.size[d];
    a += k * o.st0[d];
    b += k * o.st1[d];
  }
  *off0 = a;
  *off1 = b;
}

// Drops size-1 dims and merges dim d into d+1 where both tensors are contiguous across them.
// Throws when more than kMaxDims dims remain (`what` names the op).
inline Offsets2 make_offsets2(const Shape& shape, const Shape& st0, const Shape& st1, const char* what) {
  std::vector<int64_t> sz, a, b;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!sz.empty() && a.back() == st0[d] * shape[d] && b.back() == st1[d] * shape[d]) {
      sz.back() *= shape[d];
      a.back() = st0[d];
      b.back() = st1[d];
      continue;
    }
    sz.push_back(shape[d]);
    a.push_back(st0[d]);
    b.push_back(st1[d]);
  }
  DPT_CHECK(sz.size() <= static_cast<size_t>(kMaxDims),
            what << ": CUDA kernels take at most " << kMaxDims << " non-mergeable dims, got shape " << shape_str(shape));
  Offsets2 o;
  o.nd = static_cast<int>(sz.size());
  for (int d = 0; d < o.nd; ++d) {
    o.size[d] = sz[d];
    o.st0[d] = a[d];
    o.st1[d] = b[d];
  }
  return o;
}

// Offset of one tensor (strides st) at a row-major linear index of `size`.
struct Offsets1 {
  int nd = 0;
  int64_t size[kMaxDims] = {};
  int64_t st[kMaxDims] = {};
};

DPT_HD inline int64_t offset1(const Offsets1& o, int64_t i) {
  int64_t a = 0;
  for (int d = o.nd - 1; d >= 0; --d) {
    a += (i % o.size[d]) * o.st[d];
    i /= o.size[d];
  }
  return a;
}

// Like make_offsets2 for one tensor: dims of `sizes` with strides `st`, size-1 dims dropped,
// mergeable neighbours merged.
inline Offsets1 make_offsets1(const std::vector<int64_t>& sizes, const std::vector<int64_t>& st, const char* what) {
  std::vector<int64_t> sz, a;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;
    if (!sz.empty() && a.back() == st[d] * sizes[d]) {
      sz.back() *= sizes[d];
      a.back() = st[d];
      continue;
    }
    sz.push_back(sizes[d]);
    a.push_back(st[d]);
  }
  DPT_CHECK(sz.size() <= static_cast<size_t>(kMaxDims),
            what << ": CUDA kernels take at most " << kMaxDims << " non-mergeable dims");
  Offsets1 o;
  o.nd = static_cast<int>(sz.size());
  for (int d = 0; d < o.nd; ++d) {
    o.size[d] = sz[d];
    o.st[d] = a[d];
  }
  return o;
}

}  // namespace dpt::cuda
