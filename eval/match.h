// Which files dpt-eval compares: predictions matched to ground truth (and target IUV maps) by name,
// either one prediction per ground-truth image or one per row of a pairs CSV (Note [dpt-eval matching]).
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace dpt::eval {

// Note [dpt-eval matching]
// Image files end in .png, .jpg or .jpeg (any case); a file's stem is its name without that extension.
// Without a pairs file: every image in the prediction folder (sorted by name) is one item, named by its
// stem. Its ground truth is gt_dir/<same file name>, else gt_dir/<stem> with an image extension in either
// case (the one resolver of io/image_path.h, which the dataset loader and dpt-infer use too); its IUV map
// iuv_dir/<stem>.png, else <stem>_iuv.png, <stem>_IUV.png.
// With a pairs file (CSV whose header names the columns `from` and `to`, e.g. <root>/pairs-test.csv of
// docs/dpt.md section 7; names with or without extension): one item per row, named <from>___<to>
// (stems, three underscores, the PATN/GFLA convention). Its prediction is pred_dir/<from>___<to> with an
// image extension, its ground truth the target image gt_dir/<to> (as written, else <to stem> + extension),
// its IUV map the target's. Predictions not named by a row are ignored.
// Missing files are one error listing the first few names and the count; so are two predictions with
// one stem (a.png and a.jpg) and repeated pairs rows.

struct EvalItem {
  std::string name;           // the stem, or <from>___<to>
  std::string pred, gt, iuv;  // paths; iuv is empty without an IUV folder
};

struct MatchOptions {
  std::string pred_dir, gt_dir;
  std::string iuv_dir;    // optional
  std::string pairs_csv;  // optional
};

std::vector<EvalItem> match_files(const MatchOptions& opt);

// The (from, to) rows of a pairs CSV, in file order; errors name the file and line.
std::vector<std::pair<std::string, std::string>> read_pairs_csv(const std::string& path);


}  // namespace dpt::eval
