// CUDA interpolate (ops/interpolate.h); per-element maths from ops/interpolate_math.h (Note
// [interpolate]: coordinates and sums in double, as on the CPU). Launch: 1-D grid-stride, 256 threads;
// forward one thread per output, backward one thread per input element (a gather, no atomics).
#include "ops/cuda/launch.cuh"
#include "ops/interpolate.h"
#include "ops/interpolate_math.h"

namespace dpt::cuda {
namespace {

// x [P, H, W] -> out [P, Ho, Wo]
template <class T>
__global__ void interpolate_forward_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t P, int64_t H,
                                           int64_t W, int64_t Ho, int64_t Wo, bool nearest) {
  DPT_KERNEL_LOOP(i, P * Ho * Wo) {
    const int64_t ox = i % Wo, oy = (i / Wo) % Ho, q = i / (Wo * Ho);
    const T* plane = x + q * H * W;
    out[i] = nearest ? nearest_value(plane, H, W, Ho, Wo, oy, ox) : bilinear_value(plane, H, W, Ho, Wo, oy, ox);
  }
}

// gout [P, Ho, Wo] -> gx [P, H, W]
template <class T>
__global__ void interpolate_backward_kernel(const T* __restrict__ gout, T* __restrict__ gx, int64_t P, int64_t H,
                                            int64_t W, int64_t Ho, int64_t Wo, bool nearest) {
  DPT_KERNEL_LOOP(i, P * H * W) {
    const int64_t ix = i % W, iy = (i / W) % H, q = i / (W * H);
    const T* gplane = gout + q * Ho * Wo;
    gx[i] = nearest ? nearest_input_grad(gplane, H, W, Ho, Wo, iy, ix) : bilinear_input_grad(gplane, H, W, Ho, Wo, iy, ix);
  }
}

}  // namespace

void interpolate_forward(const Tensor& x, InterpMode mode, Tensor& out) {
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3), Ho = out.size(2), Wo = out.size(3);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("interpolate_forward", interpolate_forward_kernel<scalar_t>, blocks_for(P * Ho * Wo), kThreads, 0,
           current_stream(), x.data<scalar_t>(), out.data<scalar_t>(), P, H, W, Ho, Wo, mode == InterpMode::Nearest);
  });
}

void interpolate_backward(const Tensor& gout, InterpMode mode, Tensor& gx) {
  const int64_t P = gx.size(0) * gx.size(1), H = gx.size(2), W = gx.size(3), Ho = gout.size(2), Wo = gout.size(3);
  DPT_DISPATCH_FLOAT(gx.dtype(), {
    launch("interpolate_backward", interpolate_backward_kernel<scalar_t>, blocks_for(P * H * W), kThreads, 0,
           current_stream(), gout.data<scalar_t>(), gx.data<scalar_t>(), P, H, W, Ho, Wo, mode == InterpMode::Nearest);
  });
}

}  // namespace dpt::cuda
