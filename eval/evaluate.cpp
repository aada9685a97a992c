// Parallel evaluation over matched files and the split means (eval/evaluate.h). Workers never throw:
// each item's error is kept and the first one (in item order) is rethrown after the loop.
#include "eval/evaluate.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <string>

#include "core/error.h"
#include "core/threading.h"
#include "io/image.h"

namespace dpt::eval {

namespace {

EvalResult evaluate_one(const EvalItem& it, IUVOrder order, Protocol protocol) {
  EvalResult r;
  r.item = it;
  const Image8 gt = read_image(it.gt);
  const Image8 pred = read_image(it.pred);
  DPT_CHECK(gt.height == pred.height && gt.width == pred.width,
            "size mismatch: prediction '" << it.pred << "' is " << pred.height << "x" << pred.width
                                                    << ", ground truth '" << it.gt << "' is " << gt.height << "x"
                                                    << gt.width << " (HxW)");
  r.height = gt.height;
  r.width = gt.width;
  Tensor iuv;
  if (!it.iuv.empty()) {
    iuv = read_iuv(it.iuv, order);
    check_iuv_matches_image(it.iuv, iuv.size(1), iuv.size(2), it.gt, gt.height, gt.width);
  }
  r.metrics = pair_metrics(gt, pred, iuv, "'" + it.pred + "' vs '" + it.gt + "'", protocol);
  return r;
}

void add(MeanMetric& m, double v, double& sum) {
  if (std::isnan(v)) return;
  if (std::isinf(v)) {
    ++m.infinite;
    return;
  }
  sum += v;
  ++m.used;
}

MeanMetrics mean_of(const std::vector<EvalResult>& results, bool person) {
  MeanMetrics m;
  double s[5] = {0, 0, 0, 0, 0};
  for (const auto& r : results) {
    const Metrics& x = person ? r.metrics.person : r.metrics.full;
    add(m.ssim, x.ssim, s[0]);
    add(m.ms_ssim, x.ms_ssim, s[1]);
    add(m.l1, x.l1, s[2]);
    add(m.psnr, x.psnr, s[3]);
    add(m.lpips, x.lpips, s[4]);
  }
  MeanMetric* all[5] = {&m.ssim, &m.ms_ssim, &m.l1, &m.psnr, &m.lpips};
  for (int k = 0; k < 5; ++k)
    if (all[k]->used) all[k]->mean = s[k] / static_cast<double>(all[k]->used);
  return m;
}

}  // namespace

std::vector<EvalResult> evaluate(const std::vector<EvalItem>& items, IUVOrder order,
                                 const std::function<void(size_t, size_t)>& progress, Protocol protocol) {
  const size_t n = items.size();
  std::vector<EvalResult> results(n);
  std::vector<std::string> errors(n);
  // Chunks of items so that progress can be reported between them from this thread.
  const size_t chunk = std::max<size_t>(1, std::min<size_t>(256, static_cast<size_t>(num_threads()) * 8));
  for (size_t start = 0; start < n; start += chunk) {
    const size_t end = std::min(n, start + chunk);
    parallel_for(static_cast<int64_t>(end - start), 1, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        const size_t i = start + static_cast<size_t>(k);
        try {
          results[i] = evaluate_one(items[i], order, protocol);
        } catch (const std::exception& ex) {
          errors[i] = ex.what();
        }
      }
    });
    for (size_t i = start; i < end; ++i)
      if (!errors[i].empty()) throw Error(errors[i]);
    if (progress) progress(end, n);
  }
  return results;
}

Summary summarize(const std::vector<EvalResult>& results, Protocol protocol) {
  Summary s;
  s.count = results.size();
  s.protocol = protocol;
  for (const auto& r : results) s.has_lpips = s.has_lpips || !std::isnan(r.metrics.full.lpips);
  s.full = mean_of(results, false);
  for (const auto& r : results) s.has_person = s.has_person || r.metrics.has_person;
  if (s.has_person) s.person = mean_of(results, true);
  for (size_t i = 0; i < results.size(); ++i) {
    const int m = results[i].metrics.full.ms_ssim_scales;
    s.min_scales = i == 0 ? m : std::min(s.min_scales, m);
    s.max_scales = i == 0 ? m : std::max(s.max_scales, m);
  }
  return s;
}

}  // namespace dpt::eval
