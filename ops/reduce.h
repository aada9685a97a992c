// Reductions and tensor assembly: sum, mean, concatenation.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace dpt {

Tensor sum(const Tensor& x);   // 0-d result
Tensor mean(const Tensor& x);  // 0-d result
// Sums over the dims where `shape` has size 1 (same rank as x) -- the reverse of broadcasting.
Tensor sum_to(const Tensor& x, const Shape& shape);
// Concatenation along `dim`; every other dim must agree. Differentiable.
Tensor cat(const std::vector<Tensor>& xs, int64_t dim);

// Kernels. x contiguous; out has x's rank with size 1 on the summed dims (sum over everything:
// all ones). Sums are accumulated in double and are deterministic.
namespace cpu {
void sum_to_forward(const Tensor& x, Tensor& out);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void sum_to_forward(const Tensor& x, Tensor& out);
}  // namespace cuda
#endif

}  // namespace dpt
