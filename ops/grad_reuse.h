// Note [gradient reuse]: an op's backward may write its input gradient into the incoming gradient's
// buffer when nothing else refers to those bytes: the autograd loop hands each gradient over with its
// own handle as the only one (core/autograd.cpp) unless another vertex shares it (add returns one
// gradient for both operands), a closure saved it, or the caller seeded backward with it. Saves one
// activation-sized buffer per backward step. Only for kernels that read each element before writing
// it (same index, or a whole plane reduced first), and on the CPU only: the CUDA kernels' pointers are
// __restrict__.
#pragma once
#include "core/tensor.h"

namespace dpt {

inline bool gradient_reusable(const Tensor& g) {
  return g.defined() && g.device().is_cpu() && g.impl_ptr().use_count() == 1 && g.storage() &&
         g.storage().use_count() == 1 && g.is_contiguous() && g.offset() == 0;
}

}  // namespace dpt
