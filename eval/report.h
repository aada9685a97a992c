// dpt-eval's outputs: the JSON report, the text tables printed to the terminal, and the side-by-side
// image grid (ground truth | prediction, one row per item).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "eval/evaluate.h"
#include "eval/inception_eval.h"
#include "io/image.h"
#include "io/json.h"

namespace dpt::eval {

// The whole report: `run` (inputs and options, copied as the "run" member), the metric conventions
// ("settings"), the means ("mean", "person_mean") and every item ("images"). JSON cannot hold NaN or
// infinity: an undefined value (empty person region) and the PSNR of identical images are written as null;
// the means say how many values they used ("n") and how many infinite PSNRs they left out.
Json report_json(const std::vector<EvalResult>& results, const Summary& summary, const Json& run);

// Mean table: metric | all | person (when IUV maps were given).
std::string summary_table(const Summary& summary);
// One line per item.
std::string per_image_table(const std::vector<EvalResult>& results);

// A grid of the first `max_rows` items, each row ground truth | prediction (re-read from disk). Cells are
// as large as the largest image, smaller images are centred on grey; 4-pixel grey gutters.
Image8 make_grid(const std::vector<EvalItem>& items, size_t max_rows);

// IS / FID (dpt-eval --inception): sets "is" and "is_gt" ({mean, std, splits, images}: predictions and real
// images), "fid" (null when a set has under 2 images) and "inception" (weights, counts, conventions, notes).
void add_inception_json(Json& report, const InceptionSummary& s);
// The IS / FID lines of the terminal summary.
std::string inception_table(const InceptionSummary& s);
// Caveats of an IS / FID result (few splits, rank-deficient covariances, no FID), one per entry.
std::vector<std::string> inception_notes(const InceptionSummary& s);

// Describes a reduced MS-SSIM ("" when every image had 5 scales).
std::string ms_ssim_scale_note(const Summary& summary);

}  // namespace dpt::eval
