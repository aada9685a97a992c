// Reductions and tensor assembly: sum, mean (over everything or along one dim), max along a dim,
// concatenation.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace dpt {

Tensor sum(const Tensor& x);   // 0-d result
Tensor mean(const Tensor& x);  // 0-d result
// Along one dim (negative counts from the end); keepdim leaves it in the result with size 1.
Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);
// Maximum along `dim` and the index of the first maximum (a NaN wins, as in PyTorch). The gradient goes
// to that one element per row (PyTorch's max(dim) rule). Indices are stored in x's dtype (exact:
// the dim must be shorter than 2^24) and carry no gradient.
struct MaxDim {
  Tensor values, indices;
};
MaxDim max_with_indices(const Tensor& x, int64_t dim, bool keepdim = false);
inline Tensor max(const Tensor& x, int64_t dim, bool keepdim = false) { return max_with_indices(x, dim, keepdim).values; }
// Sums over the dims where `shape` has size 1 (same rank as x) -- the reverse of broadcasting.
Tensor sum_to(const Tensor& x, const Shape& shape);
// Concatenation along `dim`; every other dim must agree. Differentiable.
Tensor cat(const std::vector<Tensor>& xs, int64_t dim);

// Kernels. x contiguous; out has x's rank with size 1 on the summed dims (sum over everything:
// all ones). Sums are accumulated in double and are deterministic.
// max along dim d: x [A, n, B] (A = dims before d, B = dims after), values / indices [A, 1, B];
// backward: gx [A, n, B] = gout [A, 1, B] at the stored index, 0 elsewhere (a gather).
namespace cpu {
void sum_to_forward(const Tensor& x, Tensor& out);
void max_dim_forward(const Tensor& x, int64_t dim, Tensor& values, Tensor& indices);
void max_dim_backward(const Tensor& gout, const Tensor& indices, int64_t dim, Tensor& gx);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void sum_to_forward(const Tensor& x, Tensor& out);
void max_dim_forward(const Tensor& x, int64_t dim, Tensor& values, Tensor& indices);
void max_dim_backward(const Tensor& gout, const Tensor& indices, int64_t dim, Tensor& gx);
}  // namespace cuda
#endif

}  // namespace dpt
