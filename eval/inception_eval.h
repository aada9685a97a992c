// dpt-eval's Inception mode: Inception-v3 outputs of image files in batches, and the IS / FID summary of a
// split (the predictions against the distinct ground-truth images of the matched items).
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "eval/fid.h"
#include "eval/inception.h"
#include "eval/match.h"
#include "eval/metrics.h"

namespace dpt::eval {

// Reads every file (io/image.h), prepares it (Note [Inception input]) and runs the network `batch` images
// at a time. Returns logits [n, 1000] and pool features [n, 2048] in file order. Errors name the file (the
// first failing one in file order). `progress(done, total)` is called from the calling thread.
InceptionOutput inception_outputs(const InceptionV3& net, const std::vector<std::string>& paths,
                                  const std::function<void(size_t, size_t)>& progress = nullptr, size_t batch = 8);

struct InceptionSummary {
  std::string weights;              // the safetensors file
  size_t pred_count = 0, gt_count = 0;
  InceptionScore is_pred, is_gt;    // IS of the predictions, and of the real images for reference
  double fid = kNaN;                // predictions vs real images; NaN when a set has under 2 images
  std::string fid_method;           // "data space" or "covariance" (Note [FID]), "" without FID
};

// IS of the predictions and of the real images, FID between them. The real set is every distinct
// ground-truth file of `items` once (with a pairs file a target can appear in several rows); the
// prediction set is one image per item. `progress(done, total)` counts images of both sets.
InceptionSummary inception_summary(const InceptionV3& net, const std::string& weights,
                                   const std::vector<EvalItem>& items,
                                   const std::function<void(size_t, size_t)>& progress = nullptr);

}  // namespace dpt::eval
