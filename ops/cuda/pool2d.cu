// CUDA 2x2/stride-2 max pooling (ops/max_pool.h); the window's first maximum from ops/max_pool_math.h.
// Launch: 1-D grid-stride, 256 threads; forward one thread per output, backward one thread per input
// element (a gather: the windows do not overlap, so no atomics and no separate zeroing pass).
#include "ops/cuda/launch.cuh"
#include "ops/max_pool.h"
#include "ops/max_pool_math.h"

namespace dpt::cuda {
namespace {

// x [P, H, W] -> out [P, Ho, Wo]
template <class T>
__global__ void max_pool_forward_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t P, int64_t H, int64_t W,
                                        int64_t Ho, int64_t Wo) {
  DPT_KERNEL_LOOP(i, P * Ho * Wo) {
    const int64_t ox = i % Wo, oy = (i / Wo) % Ho, p = i / (Wo * Ho);
    const T* plane = x + p * H * W;
    out[i] = plane[max_pool_argmax(plane, W, oy, ox)];
  }
}

// x, gx [P, H, W], gout [P, Ho, Wo]: gx at a window's first maximum is that window's gradient, else 0.
template <class T>
__global__ void max_pool_backward_kernel(const T* __restrict__ x, const T* __restrict__ gout, T* __restrict__ gx,
                                         int64_t P, int64_t H, int64_t W, int64_t Ho, int64_t Wo) {
  DPT_KERNEL_LOOP(i, P * H * W) {
    const int64_t xx = i % W, y = (i / W) % H, p = i / (W * H);
    const int64_t oy = y / 2, ox = xx / 2;
    T g = T(0);
    if (oy < Ho && ox < Wo && max_pool_argmax(x + p * H * W, W, oy, ox) == y * W + xx) g = gout[(p * Ho + oy) * Wo + ox];
    gx[i] = g;
  }
}

}  // namespace

// x [N, C, H, W] -> out [N, C, H/2, W/2]
void max_pool2d_forward(const Tensor& x, Tensor& out) {
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3), Ho = out.size(2), Wo = out.size(3);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("max_pool_forward", max_pool_forward_kernel<scalar_t>, blocks_for(P * Ho * Wo), kThreads, 0,
           current_stream(), x.data<scalar_t>(), out.data<scalar_t>(), P, H, W, Ho, Wo);
  });
}

void max_pool2d_backward(const Tensor& x, const Tensor& gout, Tensor& gx) {
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3), Ho = gout.size(2), Wo = gout.size(3);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("max_pool_backward", max_pool_backward_kernel<scalar_t>, blocks_for(P * H * W), kThreads, 0,
           current_stream(), x.data<scalar_t>(), gout.data<scalar_t>(), gx.data<scalar_t>(), P, H, W, Ho, Wo);
  });
}

}  // namespace dpt::cuda
