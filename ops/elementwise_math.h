// Per-element maths of the elementwise ops, shared by the CPU and CUDA kernels.
#pragma once
#include <cmath>

#include "core/dispatch.h"

namespace dpt {

enum class UnaryOp { Relu, LeakyRelu, Tanh, Abs, Square, AddScalar, MulScalar, Exp, Log, Sqrt };
enum class BinaryOp { Add, Sub, Mul, Div };

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
    case UnaryOp::Exp: return std::exp(x);
    case UnaryOp::Log: return std::log(x);
    case UnaryOp::Sqrt: return std::sqrt(x);
  }
  return x;
}

// d op / dx times the incoming gradient g; y is the forward result (tanh' = 1 - y², exp' = y,
// sqrt' = 1 / (2 y)). Conventions (PyTorch's): relu'(0) = 0, leaky_relu'(0) = slope, |x|'(0) = 0;
// log'(0) = g / 0 and sqrt'(0) = g / 0 (inf, or NaN when g = 0), as in PyTorch.
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
    case UnaryOp::Exp: return g * y;
    case UnaryOp::Log: return g / x;
    case UnaryOp::Sqrt: return g / (T(2) * y);
  }
  return g;
}

template <class T>
DPT_HD inline T binary_value(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
  }
  return a;
}

}  // namespace dpt
