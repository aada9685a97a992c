// Autograd wrappers and argument checks for the elementwise ops (kernels in ops/cpu, ops/cuda).
#include "ops/elementwise.h"

#include "core/autograd.h"
#include "core/dispatch.h"
#include "ops/grad_reuse.h"
#include "ops/reduce.h"

namespace dpt {

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    DPT_CHECK(da == db || da == 1 || db == 1,
              "shapes " << shape_str(a) << " and " << shape_str(b) << " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

// Left-pads a shape with 1s to `rank` dims (a view of contiguous data stays contiguous).
Tensor to_rank(const Tensor& t, size_t rank) {
  if (static_cast<size_t>(t.dim()) == rank) return t;
  Shape s(rank - t.dim(), 1);
  s.insert(s.end(), t.shape().begin(), t.shape().end());
  return t.reshape(s);
}

// Note [unary saved tensors]: unary_grad (ops/elementwise_math.h) reads x, y or neither, and only that
// one is saved: a ReLU keeps its output, not also its input (the conv or norm output before it).
// ReLU and LeakyReLU with alpha >= 0 test x > 0, which holds exactly when y > 0 (y = x there, and
// y = 0 or alpha x <= 0 elsewhere, also for NaN), so they keep y and the kernel gets y in x's place.
enum class GradReads { X, Y, Neither };
GradReads grad_reads(UnaryOp op, double alpha) {
  switch (op) {
    case UnaryOp::Relu: return GradReads::Y;
    case UnaryOp::LeakyRelu: return alpha >= 0 ? GradReads::Y : GradReads::X;
    case UnaryOp::Tanh:
    case UnaryOp::Exp:
    case UnaryOp::Sqrt: return GradReads::Y;
    case UnaryOp::Abs:
    case UnaryOp::Square:
    case UnaryOp::Log: return GradReads::X;
    case UnaryOp::AddScalar:
    case UnaryOp::MulScalar: return GradReads::Neither;
  }
  return GradReads::X;
}

Tensor unary(UnaryOp op, const char* name, const Tensor& x, double alpha) {
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty_like(xc);
  DPT_DISPATCH(xc.device(), unary_forward, op, xc, out, alpha);
  const GradReads reads = grad_reads(op, alpha);
  const Tensor saved = reads == GradReads::X ? xc.detach() : reads == GradReads::Y ? out.detach() : Tensor();
  return make_result(out, name, {x}, [op, saved, alpha](const Tensor& g) {
    const bool in_place = gradient_reusable(g);  // Note [gradient reuse] (ops/grad_reuse.h)
    Tensor gc = g.contiguous();
    const Tensor& v = saved.defined() ? saved : gc;  // in both the x and the y slot; Neither: not read
    Tensor gx = in_place ? gc.detach() : Tensor::empty_like(gc);
    DPT_DISPATCH(gc.device(), unary_backward, op, v, v, gc, gx, alpha);
    return std::vector<Tensor>{gx};
  });
}

Tensor binary(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  DPT_CHECK(a.device() == b.device(), name << ": operands on " << a.device().str() << " and " << b.device().str());
  DPT_CHECK(a.dtype() == b.dtype(), name << ": dtypes " << dtype_name(a.dtype()) << " and " << dtype_name(b.dtype()));
  Shape shape = broadcast_shapes(a.shape(), b.shape());
  Tensor ac = to_rank(a.contiguous(), shape.size()), bc = to_rank(b.contiguous(), shape.size());
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  DPT_DISPATCH(a.device(), binary_forward, op, ac, bc, out);
  Shape sa = a.shape(), sb = b.shape();
  const bool keep = op == BinaryOp::Mul || op == BinaryOp::Div;  // their gradients read the operands
  Tensor as = keep ? a.detach() : Tensor(), bs = keep ? b.detach() : Tensor();
  return make_result(out, name, {a, b}, [op, sa, sb, as, bs](const Tensor& g) {
    Tensor ga, gb;
    switch (op) {
      case BinaryOp::Add: ga = g, gb = g; break;
      case BinaryOp::Sub: ga = g, gb = mul_scalar(g, -1.0); break;
      case BinaryOp::Mul: ga = mul(g, bs), gb = mul(g, as); break;
      case BinaryOp::Div:  // d/da = g / b, d/db = -g a / b²
        ga = div(g, bs);
        gb = mul_scalar(div(mul(g, as), mul(bs, bs)), -1.0);
        break;
    }
    return std::vector<Tensor>{sum_to(ga, sa), sum_to(gb, sb)};
  });
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Add, "add", a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Sub, "sub", a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Mul, "mul", a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Div, "div", a, b); }
Tensor add_scalar(const Tensor& a, double s) { return unary(UnaryOp::AddScalar, "add_scalar", a, s); }
Tensor mul_scalar(const Tensor& a, double s) { return unary(UnaryOp::MulScalar, "mul_scalar", a, s); }
Tensor abs(const Tensor& x) { return unary(UnaryOp::Abs, "abs", x, 0.0); }
Tensor square(const Tensor& x) { return unary(UnaryOp::Square, "square", x, 0.0); }
Tensor exp(const Tensor& x) { return unary(UnaryOp::Exp, "exp", x, 0.0); }
Tensor log(const Tensor& x) { return unary(UnaryOp::Log, "log", x, 0.0); }
Tensor sqrt(const Tensor& x) { return unary(UnaryOp::Sqrt, "sqrt", x, 0.0); }
Tensor relu(const Tensor& x) { return unary(UnaryOp::Relu, "relu", x, 0.0); }
Tensor leaky_relu(const Tensor& x, double slope) { return unary(UnaryOp::LeakyRelu, "leaky_relu", x, slope); }
Tensor tanh(const Tensor& x) { return unary(UnaryOp::Tanh, "tanh", x, 0.0); }

}  // namespace dpt
