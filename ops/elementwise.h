// Elementwise arithmetic with NumPy broadcasting, and the activations the networks use.
// All functions are differentiable (Note [autograd] in core/autograd.h).
#pragma once
#include "core/tensor.h"
#include "ops/elementwise_math.h"

namespace dpt {

// Broadcasting binary ops (shapes aligned from the right; size-1 dims stretch).
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);  // d/da = 1/b, d/db = -a/b²
Tensor add_scalar(const Tensor& a, double s);
Tensor mul_scalar(const Tensor& a, double s);
Tensor abs(const Tensor& x);     // d/dx = sign(x), 0 at 0
Tensor square(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);   // log(0) = -inf, log(<0) = NaN
Tensor sqrt(const Tensor& x);  // gradient 1 / (2 sqrt(x)): inf at 0

Tensor relu(const Tensor& x);                          // relu'(0) = 0
Tensor leaky_relu(const Tensor& x, double slope = 0.2);  // derivative at 0 is slope
Tensor tanh(const Tensor& x);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, double s) { return add_scalar(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return add_scalar(a, -s); }
inline Tensor operator*(const Tensor& a, double s) { return mul_scalar(a, s); }
inline Tensor operator*(double s, const Tensor& a) { return mul_scalar(a, s); }
inline Tensor operator-(double s, const Tensor& a) { return add_scalar(mul_scalar(a, -1.0), s); }
inline Tensor operator-(const Tensor& a) { return mul_scalar(a, -1.0); }

// Shape that a and b broadcast to; throws naming both shapes otherwise.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// Kernels. Inputs contiguous; `out` preallocated on the same device.
namespace cpu {
void unary_forward(UnaryOp op, const Tensor& x, Tensor& out, double alpha);
void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& gout, Tensor& gx, double alpha);
// a and b broadcast to out's shape (same rank, size-1 dims stretch).
void binary_forward(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void unary_forward(UnaryOp op, const Tensor& x, Tensor& out, double alpha);
void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& gout, Tensor& gx, double alpha);
void binary_forward(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out);
}  // namespace cuda
#endif

}  // namespace dpt
