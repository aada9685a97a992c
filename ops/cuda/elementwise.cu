// CUDA kernels of the elementwise ops (ops/elementwise.h); per-element maths from ops/elementwise_math.h.
// Launch: 1-D grid-stride, 256 threads, at most max_grid_blocks() blocks. Broadcasting reads each
// operand through merged strides (0 on broadcast dims).
#include "ops/cuda/indexing.cuh"
#include "ops/cuda/launch.cuh"
#include "ops/elementwise.h"

namespace dpt::cuda {
namespace {

// x, out [n]
template <class T>
__global__ void unary_forward_kernel(UnaryOp op, const T* __restrict__ x, T* __restrict__ out, int64_t n, T alpha) {
  DPT_KERNEL_LOOP(i, n) out[i] = unary_value(op, x[i], alpha);
}

// x, y, gout, gx [n]
template <class T>
__global__ void unary_backward_kernel(UnaryOp op, const T* __restrict__ x, const T* __restrict__ y,
                                      const T* __restrict__ g, T* __restrict__ gx, int64_t n, T alpha) {
  DPT_KERNEL_LOOP(i, n) gx[i] = unary_grad(op, x[i], y[i], g[i], alpha);
}

// a, b, out [n], same shape
template <class T>
__global__ void binary_same_kernel(BinaryOp op, const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ out,
                                   int64_t n) {
  DPT_KERNEL_LOOP(i, n) out[i] = binary_value(op, a[i], b[i]);
}

// out [n] contiguous; a, b read at the offsets o gives for out's linear index
template <class T>
__global__ void binary_broadcast_kernel(BinaryOp op, const T* __restrict__ a, const T* __restrict__ b,
                                        T* __restrict__ out, int64_t n, Offsets2 o) {
  DPT_KERNEL_LOOP(i, n) {
    int64_t ia, ib;
    offsets2(o, i, &ia, &ib);
    out[i] = binary_value(op, a[ia], b[ib]);
  }
}

}  // namespace

void unary_forward(UnaryOp op, const Tensor& x, Tensor& out, double alpha) {
  const int64_t n = x.numel();
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("unary_forward", unary_forward_kernel<scalar_t>, blocks_for(n), kThreads, 0, current_stream(), op,
           x.data<scalar_t>(), out.data<scalar_t>(), n, static_cast<scalar_t>(alpha));
  });
}

void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& gout, Tensor& gx, double alpha) {
  const int64_t n = x.numel();
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("unary_backward", unary_backward_kernel<scalar_t>, blocks_for(n), kThreads, 0, current_stream(), op,
           x.data<scalar_t>(), y.data<scalar_t>(), gout.data<scalar_t>(), gx.data<scalar_t>(), n,
           static_cast<scalar_t>(alpha));
  });
}

void binary_forward(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  const int64_t n = out.numel();
  DPT_DISPATCH_FLOAT(out.dtype(), {
    if (a.shape() == out.shape() && b.shape() == out.shape()) {
      launch("binary_same", binary_same_kernel<scalar_t>, blocks_for(n), kThreads, 0, current_stream(), op,
             a.data<scalar_t>(), b.data<scalar_t>(), out.data<scalar_t>(), n);
    } else {
      // Strides of a and b over out's index space, 0 where the operand is broadcast.
      const int64_t nd = out.dim();
      Shape sa(nd), sb(nd);
      Shape ca = contiguous_strides(a.shape()), cb = contiguous_strides(b.shape());
      for (int64_t d = 0; d < nd; ++d) {
        sa[d] = a.shape()[d] == 1 ? 0 : ca[d];
        sb[d] = b.shape()[d] == 1 ? 0 : cb[d];
      }
      Offsets2 o = make_offsets2(out.shape(), sa, sb, "binary op");
      launch("binary_broadcast", binary_broadcast_kernel<scalar_t>, blocks_for(n), kThreads, 0, current_stream(), op,
             a.data<scalar_t>(), b.data<scalar_t>(), out.data<scalar_t>(), n, o);
    }
  });
}

}  // namespace dpt::cuda
