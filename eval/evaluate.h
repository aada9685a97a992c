// dpt-eval's evaluation loop: reads every matched prediction / ground truth / IUV triple, computes the
// metrics of eval/metrics.h in parallel, and averages them over the split.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "eval/match.h"
#include "eval/metrics.h"
#include "io/iuv.h"

namespace dpt::eval {

struct EvalResult {
  EvalItem item;
  int height = 0, width = 0;
  PairMetrics metrics;
};

// Images are read with io/image.h (PNG or JPEG, any, as RGB bytes), IUV maps with read_iuv in `order`.
// Errors (unreadable file, size mismatch, image under 11 pixels) name the files; with several failing
// items the first in item order is reported. `progress(done, total)`, when given, is called from the
// calling thread only. Results keep the order of `items`. `protocol` decides the whole-image SSIM (Note
// [PATN protocol] in eval/metrics.h). LPIPS is not computed here (eval/lpips_eval.h adds it).
std::vector<EvalResult> evaluate(const std::vector<EvalItem>& items, IUVOrder order,
                                 const std::function<void(size_t, size_t)>& progress = nullptr,
                                 Protocol protocol = Protocol::Plain);

// Means over the split. A mean skips undefined values (NaN: a person region that is empty inside the
// cropped SSIM map) and infinite PSNRs (identical images), and says how many it used.
struct MeanMetric {
  double mean = kNaN;
  size_t used = 0;      // values averaged
  size_t infinite = 0;  // +inf values left out (PSNR of identical images)
};
struct MeanMetrics {
  MeanMetric ssim, ms_ssim, l1, psnr, lpips;
};
struct Summary {
  size_t count = 0;
  Protocol protocol = Protocol::Plain;  // of the whole-image SSIM
  bool has_lpips = false;               // some item has an LPIPS value
  MeanMetrics full;
  bool has_person = false;
  MeanMetrics person;
  int min_scales = 0, max_scales = 0;  // MS-SSIM scales over the split
};
Summary summarize(const std::vector<EvalResult>& results, Protocol protocol = Protocol::Plain);

}  // namespace dpt::eval
