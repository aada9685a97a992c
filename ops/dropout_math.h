// Dropout's per-element maths (ops/dropout.h), shared by the CPU and CUDA kernels.
#pragma once
#include "core/dispatch.h"

namespace dpt {

// x (mask scale), scale = 1 / (1 - p): the mask is scaled first, as SCA.md writes x (mask / (1 - p)).
template <class T>
DPT_HD inline T dropout_value(T x, T mask, T scale) {
  return x * (mask * scale);
}

}  // namespace dpt
