// dpt-eval's LPIPS pass: the LPIPS distance (eval/lpips.h) of every matched prediction / ground-truth
// pair, written into the results of eval/evaluate.h.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "eval/evaluate.h"
#include "eval/lpips.h"

namespace dpt::eval {

// Sets results[i].metrics.full.lpips for every item (whole image; the person-region value stays NaN).
// Images are read again (io/image.h) and run `batch` pairs at a time; pairs of one batch must share a size,
// so a batch ends where the size changes. Errors name the files. `progress(done, total)` is called from
// the calling thread.
void add_lpips(const Lpips& net, std::vector<EvalResult>& results,
               const std::function<void(size_t, size_t)>& progress = nullptr, size_t batch = 8);

}  // namespace dpt::eval
