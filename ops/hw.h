// A (height, width) pair for per-axis kernel sizes, strides and paddings of the spatial ops
// (conv2d, conv_transpose2d, pooling). An int sets both axes: `p.stride = 2` is the square convenience,
// `p.padding = {0, 3}` pads the width only.
#pragma once
#include <iosfwd>

namespace dpt {

struct Hw {
  int h = 0, w = 0;
  constexpr Hw() = default;
  constexpr Hw(int v) : h(v), w(v) {}  // NOLINT(google-explicit-constructor): the square convenience
  constexpr Hw(int h_, int w_) : h(h_), w(w_) {}
  constexpr bool operator==(const Hw& o) const { return h == o.h && w == o.w; }
  constexpr bool operator!=(const Hw& o) const { return !(*this == o); }
};

std::ostream& operator<<(std::ostream& os, const Hw& v);  // "2", or "(1, 3)" when the axes differ

}  // namespace dpt
