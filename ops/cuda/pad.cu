// CUDA reflection padding (ops/pad.h): one thread per output (forward) or per input element (backward,
// a gather of the up to 9 outputs that read it: no atomics). Grid-stride, 256 threads.
#include "ops/cuda/launch.cuh"
#include "ops/pad.h"
#include "ops/pad_math.h"

namespace dpt::cuda {
namespace {

// x [P, H, W] -> out [P, Ho, Wo]
template <class T>
__global__ void reflection_pad_forward_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t P, int64_t H,
                                              int64_t W, int64_t Ho, int64_t Wo, int64_t top, int64_t left) {
  DPT_KERNEL_LOOP(i, P * Ho * Wo) {
    const int64_t ox = i % Wo, oy = (i / Wo) % Ho, p = i / (Wo * Ho);
    out[i] = x[(p * H + reflect_index(oy, top, H)) * W + reflect_index(ox, left, W)];
  }
}

// gout [P, Ho, Wo] -> gx [P, H, W]
template <class T>
__global__ void reflection_pad_backward_kernel(const T* __restrict__ gout, T* __restrict__ gx, int64_t P, int64_t H,
                                               int64_t W, int64_t Ho, int64_t Wo, int64_t top, int64_t bottom,
                                               int64_t left, int64_t right) {
  DPT_KERNEL_LOOP(i, P * H * W) {
    const int64_t x = i % W, y = (i / W) % H, p = i / (W * H);
    gx[i] = reflect_gather_grad(gout + p * Ho * Wo, y, x, H, W, top, bottom, left, right);
  }
}

}  // namespace

void reflection_pad2d_forward(const Tensor& x, const Pad2d& pad, Tensor& out) {
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3), Ho = out.size(2), Wo = out.size(3);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("reflection_pad_forward", reflection_pad_forward_kernel<scalar_t>, blocks_for(P * Ho * Wo), kThreads, 0,
           current_stream(), x.data<scalar_t>(), out.data<scalar_t>(), P, H, W, Ho, Wo, int64_t(pad.top),
           int64_t(pad.left));
  });
}

void reflection_pad2d_backward(const Tensor& gout, const Pad2d& pad, Tensor& gx) {
  const int64_t P = gx.size(0) * gx.size(1), H = gx.size(2), W = gx.size(3), Ho = gout.size(2), Wo = gout.size(3);
  DPT_DISPATCH_FLOAT(gx.dtype(), {
    launch("reflection_pad_backward", reflection_pad_backward_kernel<scalar_t>, blocks_for(P * H * W), kThreads, 0,
           current_stream(), gout.data<scalar_t>(), gx.data<scalar_t>(), P, H, W, Ho, Wo, int64_t(pad.top),
           int64_t(pad.bottom), int64_t(pad.left), int64_t(pad.right));
  });
}

}  // namespace dpt::cuda
