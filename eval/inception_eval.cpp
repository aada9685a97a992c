// Batched Inception-v3 outputs of image files and dpt-eval's IS / FID summary (eval/inception_eval.h).
#include "eval/inception_eval.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <set>

#include "core/error.h"
#include "core/threading.h"
#include "io/image.h"

namespace dpt::eval {

InceptionOutput inception_outputs(const InceptionV3& net, const std::vector<std::string>& paths,
                                  const std::function<void(size_t, size_t)>& progress, size_t batch) {
  DPT_CHECK(batch >= 1, "inception_outputs: batch must be >= 1");
  const int64_t n = static_cast<int64_t>(paths.size());
  InceptionOutput all;
  all.logits = Tensor::empty({n, kInceptionClasses});
  all.pool = Tensor::empty({n, kInceptionFeatures});
  const int64_t S = kInceptionSize, image_numel = 3 * S * S;
  for (int64_t start = 0; start < n; start += static_cast<int64_t>(batch)) {
    const int64_t B = std::min<int64_t>(static_cast<int64_t>(batch), n - start);
    Tensor x = Tensor::empty({B, 3, S, S});  // [B, 3, 299, 299]
    float* px = x.data<float>();
    std::vector<std::string> errors(static_cast<size_t>(B));
    parallel_for(B, 1, [&](int64_t b, int64_t e) {  // workers never throw: errors are kept
      for (int64_t i = b; i < e; ++i) {
        try {
          const Tensor one = inception_input(read_image(paths[start + i]));
          std::memcpy(px + i * image_numel, one.data<float>(), sizeof(float) * image_numel);
        } catch (const std::exception& ex) {
          errors[i] = ex.what();
        }
      }
    });
    for (int64_t i = 0; i < B; ++i)
      DPT_CHECK(errors[i].empty(), "Inception-v3 input '" << paths[start + i] << "': " << errors[i]);
    const InceptionOutput out = net.forward(x.to(net.device()));
    const Tensor logits = out.logits.to(Device::cpu()).contiguous(), pool = out.pool.to(Device::cpu()).contiguous();
    std::memcpy(all.logits.data<float>() + start * kInceptionClasses, logits.data<float>(),
                sizeof(float) * B * kInceptionClasses);
    std::memcpy(all.pool.data<float>() + start * kInceptionFeatures, pool.data<float>(),
                sizeof(float) * B * kInceptionFeatures);
    if (progress) progress(static_cast<size_t>(start + B), paths.size());
  }
  return all;
}

InceptionSummary inception_summary(const InceptionV3& net, const std::string& weights,
                                   const std::vector<EvalItem>& items,
                                   const std::function<void(size_t, size_t)>& progress) {
  DPT_CHECK(!items.empty(), "Inception Score / FID: no images to evaluate");
  std::vector<std::string> pred, gt;
  std::set<std::string> seen;
  for (const auto& it : items) {
    pred.push_back(it.pred);
    if (seen.insert(it.gt).second) gt.push_back(it.gt);
  }
  const size_t total = pred.size() + gt.size();
  const InceptionOutput p = inception_outputs(net, pred, [&](size_t done, size_t) {
    if (progress) progress(done, total);
  });
  const InceptionOutput g = inception_outputs(net, gt, [&](size_t done, size_t) {
    if (progress) progress(pred.size() + done, total);
  });
  InceptionSummary s;
  s.weights = weights;
  s.pred_count = pred.size();
  s.gt_count = gt.size();
  s.is_pred = inception_score(p.logits);
  s.is_gt = inception_score(g.logits);
  if (pred.size() >= 2 && gt.size() >= 2) {
    s.fid = frechet_distance(p.pool, g.pool);
    s.fid_method = fid_method_name(resolve_fid_method(p.pool.size(0), g.pool.size(0), kInceptionFeatures));
  }
  return s;
}

}  // namespace dpt::eval
