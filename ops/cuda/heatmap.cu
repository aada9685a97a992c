// CUDA kernel of keypoint_heatmaps (ops/heatmap.h). Launch: 1-D grid-stride, 256 threads, one thread
// per output pixel (coalesced along the rows); the joint is read from kp per thread (cached).
#include "ops/cuda/launch.cuh"
#include "ops/heatmap.h"
#include "ops/heatmap_math.h"

namespace dpt::cuda {
namespace {

// kp [N*J, 2] -> out [N*J, H*W]
template <class T>
__global__ void heatmap_kernel(const T* __restrict__ kp, T* __restrict__ out, int64_t NJ, int64_t H, int64_t W,
                               double sigma) {
  DPT_KERNEL_LOOP(i, NJ * H * W) {
    const int64_t c = i % W, r = (i / W) % H, nj = i / (W * H);
    const double y = static_cast<double>(kp[2 * nj]), x = static_cast<double>(kp[2 * nj + 1]);
    out[i] = static_cast<T>(heatmap_value(static_cast<double>(r), static_cast<double>(c), y, x, sigma));
  }
}

}  // namespace

void heatmap_forward(const Tensor& kp, double sigma, Tensor& out) {
  const int64_t NJ = out.size(0) * out.size(1), H = out.size(2), W = out.size(3);
  DPT_DISPATCH_FLOAT(out.dtype(), {
    launch("heatmap", heatmap_kernel<scalar_t>, blocks_for(NJ * H * W), kThreads, 0, current_stream(),
           kp.data<scalar_t>(), out.data<scalar_t>(), NJ, H, W, sigma);
  });
}

}  // namespace dpt::cuda
