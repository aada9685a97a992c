// CUDA kernel of bep2 (ops/bep2.h, Note [BEP2] in ops/bep2_math.h). Launch: 1-D grid-stride, 256
// threads, one thread per output pixel; each thread derives its joint's windows (two exps: cheaper than
// a second launch at these sizes) and gathers one source byte, so no atomics.
#include "ops/bep2.h"
#include "ops/bep2_math.h"
#include "ops/cuda/launch.cuh"

namespace dpt::cuda {
namespace {

// edge [N, H, W], kp_src / kp_tgt [N*J, 2] -> out [N*J, H, W]
template <class T>
__global__ void bep2_kernel(const T* __restrict__ edge, const T* __restrict__ ks, const T* __restrict__ kt,
                            T* __restrict__ out, int64_t N, int64_t J, int64_t H, int64_t W, Bep2Params p,
                            bool plates) {
  DPT_KERNEL_LOOP(i, N * J * H * W) {
    const int64_t c = i % W, r = (i / W) % H, nj = i / (W * H), n = nj / J;
    const Bep2Window w = bep2_window(static_cast<double>(ks[2 * nj]), static_cast<double>(ks[2 * nj + 1]),
                                     static_cast<double>(kt[2 * nj]), static_cast<double>(kt[2 * nj + 1]), H, W, p);
    const double plate = bep2_plate(w, edge + n * H * W, W, r, c);
    out[i] = static_cast<T>(plates ? plate : bep2_value(plate));
  }
}

}  // namespace

void bep2_forward(const Tensor& edge, const Tensor& kp_src, const Tensor& kp_tgt, const Bep2Params& p, bool plates,
                  Tensor& out) {
  const int64_t N = out.size(0), J = out.size(1), H = out.size(2), W = out.size(3);
  DPT_DISPATCH_FLOAT(out.dtype(), {
    launch("bep2", bep2_kernel<scalar_t>, blocks_for(N * J * H * W), kThreads, 0, current_stream(),
           edge.data<scalar_t>(), kp_src.data<scalar_t>(), kp_tgt.data<scalar_t>(), out.data<scalar_t>(), N, J, H, W,
           p, plates);
  });
}

}  // namespace dpt::cuda
