// Per-element maths of the elementwise ops, shared by the CPU and CUDA kernels.
#pragma once
#include <cmath>

#include "core/dispatch.h"

namespace dpt {

enum class UnaryOp { Relu, LeakyRelu, Tanh, Abs, Square, AddScalar, MulScalar };
enum class BinaryOp { Add, Sub, Mul };

template <class T>
DPT_HD inline T unary_value(UnaryOp op, T x, T alpha) {
  switch (op) {
    case UnaryOp::Relu: return x > T(0) ? x : T(0);
    case UnaryOp::LeakyRelu: return x > T(0) ? x : alpha * x;
    case UnaryOp::Tanh: return std::tanh(x);
    case UnaryOp::Abs: return x < T(0) ? -x : x;
    case UnaryOp::Square: return x * x;
    case UnaryOp::AddScalar: return x + alpha;
    case UnaryOp::MulScalar: return x * alpha;
  }
  return x;
}

// d op / dx times the incoming gradient g; y is the forward result (tanh' = 1 - y²).
// Conventions (PyTorch's): relu'(0) = 0, leaky_relu'(0) = slope, |x|'(0) = 0.
template <class T>
DPT_HD inline T unary_grad(UnaryOp op, T x, T y, T g, T alpha) {
  switch (op) {
    case UnaryOp::Relu: return x > T(0) ? g : T(0);
    case UnaryOp::LeakyRelu: return x > T(0) ? g : alpha * g;
    case UnaryOp::Tanh: return g * (T(1) - y * y);
    case UnaryOp::Abs: return x > T(0) ? g : (x < T(0) ? -g : T(0));
    case UnaryOp::Square: return T(2) * x * g;
    case UnaryOp::AddScalar: return g;
    case UnaryOp::MulScalar: return g * alpha;
  }
  return g;
}

template <class T>
DPT_HD inline T binary_value(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
  }
  return a;
}

}  // namespace dpt
