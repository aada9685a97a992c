// CPU kernel of keypoint_heatmaps: one task per (image, joint, row); a missing joint's rows are zeros.
#include "core/threading.h"
#include "ops/heatmap.h"

namespace dpt::cpu {

void heatmap_forward(const Tensor& kp, double sigma, Tensor& out) {
  const int64_t N = out.size(0), J = out.size(1), H = out.size(2), W = out.size(3);
  DPT_DISPATCH_FLOAT(out.dtype(), {
    const scalar_t* k = kp.data<scalar_t>();  // [N, J, 2]
    scalar_t* o = out.data<scalar_t>();       // [N, J, H, W]
    parallel_for(N * J * H, 16, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const int64_t r = t % H, nj = t / H;
        const double y = static_cast<double>(k[2 * nj]), x = static_cast<double>(k[2 * nj + 1]);
        scalar_t* row = o + t * W;
        for (int64_t c = 0; c < W; ++c)
          row[c] = static_cast<scalar_t>(heatmap_value(static_cast<double>(r), static_cast<double>(c), y, x, sigma));
      }
    });
  });
}

}  // namespace dpt::cpu
