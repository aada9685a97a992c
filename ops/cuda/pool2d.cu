// CUDA max and average pooling (ops/pool2d.h); per-element maths from ops/pool2d_math.h.
// Launch: 1-D grid-stride, 256 threads; forward one thread per output, backward one thread per input
// element (a gather over the windows containing it: no atomics, no separate zeroing pass, and the same
// summation order as the CPU kernels).
#include "ops/cuda/launch.cuh"
#include "ops/pool2d.h"
#include "ops/pool2d_math.h"

namespace dpt::cuda {
namespace {

// x [P, H, W] -> out [P, Ho, Wo]
template <class T>
__global__ void max_pool_forward_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t P, PoolGeom g) {
  DPT_KERNEL_LOOP(i, P * g.Ho * g.Wo) {
    const int64_t ox = i % g.Wo, oy = (i / g.Wo) % g.Ho, q = i / (g.Wo * g.Ho);
    const T* plane = x + q * g.H * g.W;
    out[i] = plane[max_pool_argmax(plane, g, oy, ox)];
  }
}

// x, gx [P, H, W], gout [P, Ho, Wo]
template <class T>
__global__ void max_pool_backward_kernel(const T* __restrict__ x, const T* __restrict__ gout, T* __restrict__ gx,
                                         int64_t P, PoolGeom g) {
  DPT_KERNEL_LOOP(i, P * g.H * g.W) {
    const int64_t ix = i % g.W, iy = (i / g.W) % g.H, q = i / (g.W * g.H);
    gx[i] = max_pool_input_grad(x + q * g.H * g.W, gout + q * g.Ho * g.Wo, g, iy, ix);
  }
}

// x [P, H, W] -> out [P, Ho, Wo]
template <class T>
__global__ void avg_pool_forward_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t P, PoolGeom g) {
  DPT_KERNEL_LOOP(i, P * g.Ho * g.Wo) {
    const int64_t ox = i % g.Wo, oy = (i / g.Wo) % g.Ho, q = i / (g.Wo * g.Ho);
    out[i] = avg_pool_value(x + q * g.H * g.W, g, oy, ox);
  }
}

// gout [P, Ho, Wo] -> gx [P, H, W]
template <class T>
__global__ void avg_pool_backward_kernel(const T* __restrict__ gout, T* __restrict__ gx, int64_t P, PoolGeom g) {
  DPT_KERNEL_LOOP(i, P * g.H * g.W) {
    const int64_t ix = i % g.W, iy = (i / g.W) % g.H, q = i / (g.W * g.H);
    gx[i] = avg_pool_input_grad(gout + q * g.Ho * g.Wo, g, iy, ix);
  }
}

PoolGeom geom_of(const Tensor& x, const Tensor& y, const PoolParams& p) {
  return {x.size(2), x.size(3), y.size(2), y.size(3), p.kernel.h, p.kernel.w,
          p.stride.h, p.stride.w, p.padding.h, p.padding.w};
}

}  // namespace

void max_pool2d_forward(const Tensor& x, const PoolParams& p, Tensor& out) {
  const PoolGeom g = geom_of(x, out, p);
  const int64_t P = x.size(0) * x.size(1);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("max_pool_forward", max_pool_forward_kernel<scalar_t>, blocks_for(P * g.Ho * g.Wo), kThreads, 0,
           current_stream(), x.data<scalar_t>(), out.data<scalar_t>(), P, g);
  });
}

void max_pool2d_backward(const Tensor& x, const Tensor& gout, const PoolParams& p, Tensor& gx) {
  const PoolGeom g = geom_of(x, gout, p);
  const int64_t P = x.size(0) * x.size(1);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("max_pool_backward", max_pool_backward_kernel<scalar_t>, blocks_for(P * g.H * g.W), kThreads, 0,
           current_stream(), x.data<scalar_t>(), gout.data<scalar_t>(), gx.data<scalar_t>(), P, g);
  });
}

void avg_pool2d_forward(const Tensor& x, const PoolParams& p, Tensor& out) {
  const PoolGeom g = geom_of(x, out, p);
  const int64_t P = x.size(0) * x.size(1);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("avg_pool_forward", avg_pool_forward_kernel<scalar_t>, blocks_for(P * g.Ho * g.Wo), kThreads, 0,
           current_stream(), x.data<scalar_t>(), out.data<scalar_t>(), P, g);
  });
}

void avg_pool2d_backward(const Tensor& gout, const PoolParams& p, Tensor& gx) {
  const PoolGeom g = geom_of(gx, gout, p);
  const int64_t P = gx.size(0) * gx.size(1);
  DPT_DISPATCH_FLOAT(gx.dtype(), {
    launch("avg_pool_backward", avg_pool_backward_kernel<scalar_t>, blocks_for(P * g.H * g.W), kThreads, 0,
           current_stream(), gout.data<scalar_t>(), gx.data<scalar_t>(), P, g);
  });
}

}  // namespace dpt::cuda
