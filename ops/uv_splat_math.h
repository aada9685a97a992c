// Per-texel maths of splat_normalise (tex = acc / w where the texel is visible), shared by backends.
// The splat itself uses the bilinear helpers of ops/grid_sample_math.h.
#pragma once
#include "core/dispatch.h"

namespace dpt {

// A texel is visible when its splat weight exceeds eps (kSplatEps in ops/uv_splat.h).
template <class T>
DPT_HD inline bool splat_visible(T w, T eps) {
  return w > eps;
}
// tex = acc / w on visible texels, else 0.
template <class T>
DPT_HD inline T splat_normalise_value(T acc, T w, T eps) {
  return splat_visible(w, eps) ? acc / w : T(0);
}
// d tex / d acc times the incoming gradient g: g / w on visible texels, else 0 (w gets no gradient).
template <class T>
DPT_HD inline T splat_normalise_grad(T g, T w, T eps) {
  return splat_visible(w, eps) ? g / w : T(0);
}

}  // namespace dpt
