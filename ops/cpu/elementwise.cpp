// CPU kernels of the elementwise ops: contiguous loops, and a broadcasting loop that walks the output
// row by row with per-operand strides (0 on broadcast dims).
#include <vector>

#include "core/threading.h"
#include "ops/elementwise.h"

namespace dpt::cpu {

void unary_forward(UnaryOp op, const Tensor& x, Tensor& out, double alpha) {
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    const scalar_t a = static_cast<scalar_t>(alpha);
    parallel_for(x.numel(), 1 << 15, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) po[i] = unary_value(op, px[i], a);
    });
  });
}

void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& gout, Tensor& gx, double alpha) {
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* py = y.data<scalar_t>();
    const scalar_t* pg = gout.data<scalar_t>();
    scalar_t* pgx = gx.data<scalar_t>();
    const scalar_t a = static_cast<scalar_t>(alpha);
    parallel_for(x.numel(), 1 << 15, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) pgx[i] = unary_grad(op, px[i], py[i], pg[i], a);
    });
  });
}

void binary_forward(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  const Shape& shape = out.shape();
  const int64_t nd = out.dim();
  // Element strides of a and b over out's index space (0 where the operand is broadcast).
  Shape sa(nd), sb(nd);
  Shape ca = contiguous_strides(a.shape()), cb = contiguous_strides(b.shape());
  for (int64_t d = 0; d < nd; ++d) {
    sa[d] = a.shape()[d] == 1 ? 0 : ca[d];
    sb[d] = b.shape()[d] == 1 ? 0 : cb[d];
  }
  const int64_t inner = nd ? shape[nd - 1] : 1;
  const int64_t rows = inner ? out.numel() / inner : 0;
  const int64_t ia = nd ? sa[nd - 1] : 0, ib = nd ? sb[nd - 1] : 0;
  DPT_DISPATCH_FLOAT(out.dtype(), {
    const scalar_t* pa = a.data<scalar_t>();
    const scalar_t* pb = b.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    if (a.shape() == shape && b.shape() == shape) {
      parallel_for(out.numel(), 1 << 15, [&](int64_t s, int64_t e) {
        for (int64_t i = s; i < e; ++i) po[i] = binary_value(op, pa[i], pb[i]);
      });
      return;
    }
    parallel_for(rows, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(inner, 1)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        int64_t rem = r, oa = 0, ob = 0;
        for (int64_t d = nd - 2; d >= 0; --d) {
          int64_t i = rem % shape[d];
          rem /= shape[d];
          oa += i * sa[d];
          ob += i * sb[d];
        }
        scalar_t* row = po + r * inner;
        for (int64_t j = 0; j < inner; ++j) row[j] = binary_value(op, pa[oa + j * ia], pb[ob + j * ib]);
      }
    });
  });
}

}  // namespace dpt::cpu
