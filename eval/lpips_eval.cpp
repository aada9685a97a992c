// LPIPS of dpt-eval's matched pairs in size-homogeneous batches (eval/lpips_eval.h).
#include "eval/lpips_eval.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "io/image.h"

namespace dpt::eval {

void add_lpips(const Lpips& net, std::vector<EvalResult>& results,
               const std::function<void(size_t, size_t)>& progress, size_t batch) {
  DPT_CHECK(batch >= 1, "add_lpips: batch must be >= 1");
  const size_t n = results.size();
  size_t start = 0;
  while (start < n) {
    const int64_t H = results[start].height, W = results[start].width;
    size_t end = start + 1;
    while (end < n && end - start < batch && results[end].height == H && results[end].width == W) ++end;
    const int64_t B = static_cast<int64_t>(end - start), numel = 3 * H * W;
    Tensor x0 = Tensor::empty({B, 3, H, W}), x1 = Tensor::empty({B, 3, H, W});  // ground truth, prediction
    for (size_t i = start; i < end; ++i) {
      const EvalItem& it = results[i].item;
      try {
        const Tensor g = lpips_input(read_image(it.gt)), p = lpips_input(read_image(it.pred));
        DPT_CHECK(g.shape() == p.shape() && g.size(1) == H && g.size(2) == W,
                  "sizes differ: " << g.shape_str() << " vs " << p.shape_str() << ", expected [3, " << H << ", " << W << "]");
        std::memcpy(x0.data<float>() + static_cast<int64_t>(i - start) * numel, g.data<float>(), sizeof(float) * numel);
        std::memcpy(x1.data<float>() + static_cast<int64_t>(i - start) * numel, p.data<float>(), sizeof(float) * numel);
      } catch (const Error& e) {
        DPT_FAIL("LPIPS of '" << it.pred << "' vs '" << it.gt << "': " << e.what());
      }
    }
    const std::vector<LpipsDistance> d = net.distance(x0.to(net.device()), x1.to(net.device()));
    for (size_t i = start; i < end; ++i) results[i].metrics.full.lpips = d[i - start].total;
    start = end;
    if (progress) progress(start, n);
  }
}

}  // namespace dpt::eval
