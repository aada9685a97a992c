// dpt-eval: SSIM, MS-SSIM, L1 and PSNR of predictions against ground truth, over the whole image and the
// person region, and optionally LPIPS and IS / FID (see --help). A thin front-end over eval/ (match.h,
// evaluate.h, lpips_eval.h, inception_eval.h, report.h).
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "core/progress.h"
#include "eval/evaluate.h"
#include "eval/inception_eval.h"
#include "eval/lpips_eval.h"
#include "eval/match.h"
#include "eval/report.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/iuv.h"
#include "io/json.h"
#include "ops/device.h"
#include "tools/common/cli.h"

namespace {

const char* kUsage = R"(usage: dpt-eval --pred-dir DIR --gt-dir DIR [options]
       dpt-eval --pred-dir DIR --data-root ROOT [--split test] [options]

Compares predicted images with the ground truth: SSIM and MS-SSIM as pose-transfer papers compute them
(scikit-image structural_similarity, Gaussian window 11, sigma 1.5, population covariance, per RGB channel,
data range 255; MS-SSIM with 5 scales and the standard weights), L1 and PSNR; with IUV maps also on the
person region only (pixels whose target part index is > 0); with --inception also the Inception Score and
FID. Prints the means, writes a JSON report and an image grid.

matching (all names: .png, .jpg or .jpeg):
  without --pairs  every image of --pred-dir is compared with the --gt-dir image of the same name (or the
                   same name with another image extension); IUV map: --iuv-dir/<name>.png (or
                   <name>_iuv.png, <name>_IUV.png)
  with --pairs     one comparison per row of the CSV (header with columns from,to): prediction
                   --pred-dir/<from>___<to>.png (names without extension, three underscores), ground truth
                   and IUV map those of the target <to>

options:
  --pred-dir DIR       predictions
  --gt-dir DIR         ground-truth images
  --iuv-dir DIR        target IUV maps: adds the person-region metrics
  --pairs CSV          pairs file (see matching)
  --data-root ROOT     a dataset in the layout of dpt-synth / DeepFashion: sets --gt-dir ROOT/<split>,
                       --iuv-dir ROOT/<split>_iuv (when present) and --pairs ROOT/pairs-<split>.csv
                       (when present), unless given explicitly
  --split NAME         split for --data-root (default test)
  --no-pairs           with --data-root: match by name, ignore the pairs file
  --iuv-order ORDER    channel order of the IUV maps: bgr (DensePose, default), rgb or auto
  --json FILE          write the report (settings, means, every image) as JSON
  --grid FILE.png      write a grid of the first images: ground truth | prediction per row
  --max-grid N         rows in the grid (default 16)
  --per-image          print one line per image (default: only when there are at most 20)
  --threads N          worker threads, 0..256 (default: DPT_THREADS, else 0 = all cores)
  --quiet              no progress line and no tables
  --protocol plain|patn  how the whole-image SSIM is taken (default plain, as above). patn: the PATN
                       evaluation script that SCA-GAN's, PATN's and ADGAN's tables use -- both images padded
                       with 40 white columns per side (256x176 -> 256x256), data range = max - min of the
                       padded prediction; the other metrics are unchanged (eval/metrics.h)
  --lpips FILE         LPIPS weights (safetensors: torchvision alexnet features + the lpips package's v0.1
                       linear heads, see "LPIPS" below): adds LPIPS per image and its mean
  --inception FILE     Inception-v3 weights (safetensors, torchvision inception_v3 state_dict names): adds
                       the Inception Score of the predictions (and of the real images, for reference) and
                       the FID between them; see "Inception mode" below
  --device cpu|cuda[:N] where Inception-v3 and AlexNet (LPIPS) run (default cpu)
  --help               this text

conventions: L1 is mean |pred - gt| on images in [0, 1] (twice this on [-1, 1]); PSNR uses data range 255
and averages per-image values (identical images, with infinite PSNR, are left out and counted). MS-SSIM
needs a smaller side of 176 pixels for 5 scales; smaller images use the scales that fit (each >= 11
pixels) with renormalised weights, and the report says so. Details: eval/ssim.h, eval/metrics.h.

Inception mode: each image is scaled to [0, 1], resized to 299x299 (bilinear, align_corners=False, no
antialias) and mapped to [-1, 1], the input torchvision's ImageNet inception_v3 sees.
IS = exp(mean KL(p(y|x) || p(y))) over min(10, n/2) splits (mean and std over the splits); FID compares the
2048 pool features of the predictions with those of the distinct ground-truth images (sample covariances).
No weights are downloaded; convert them once, on a machine with PyTorch:
  m = torchvision.models.inception_v3(weights="IMAGENET1K_V1")
  safetensors.torch.save_file({k: v.contiguous() for k, v in m.state_dict().items()}, "inception.safetensors")
Details and caveats (small sets): eval/inception.h, eval/fid.h. About 6 GFLOP per image on the CPU.

LPIPS: version 0.1 with the AlexNet trunk (Zhang et al. 2018), on images as bytes / 127.5 - 1 at their
own size (at least 31x31), whole image only; lower is more similar. No weights are downloaded; convert
them once, on a machine with PyTorch and the lpips package:
  alex = torchvision.models.alexnet(weights=torchvision.models.AlexNet_Weights.IMAGENET1K_V1)
  t = {k: v for k, v in alex.state_dict().items() if k.startswith("features.")}
  lin = lpips.LPIPS(net="alex", version="0.1").state_dict()
  t.update({f"lin{i}.model.1.weight": lin[f"lin{i}.model.1.weight"] for i in range(5)})
  safetensors.torch.save_file({k: v.contiguous() for k, v in t.items()}, "lpips_alex.safetensors")
Details: eval/lpips.h.

example:
  dpt-eval --pred-dir out/test --data-root data/synth --json eval.json --grid eval.png
)";

using dpt::cli::Args;
using dpt::cli::Kind;

const std::vector<dpt::cli::Option> kOptions = {
    {"--pred-dir"}, {"--gt-dir"}, {"--iuv-dir"}, {"--pairs"}, {"--data-root"}, {"--split"},
    {"--no-pairs", Kind::Flag}, {"--iuv-order"}, {"--json"}, {"--grid"}, {"--max-grid"},
    {"--per-image", Kind::Flag}, {"--threads"}, {"--quiet", Kind::Flag}, {"--inception"}, {"--device"},
    {"--lpips"}, {"--protocol"}};

struct Options {
  dpt::eval::MatchOptions match;
  std::string data_root, split = "test", iuv_order = "bgr", json, grid, inception, device = "cpu", lpips;
  std::string protocol = "plain";
  bool no_pairs = false, per_image = false, per_image_given = false, quiet = false, inception_given = false;
  bool lpips_given = false;
  long long max_grid = 16;
};

Options parse_args(const Args& a) {
  Options o;
  o.match.pred_dir = a.get("--pred-dir");
  o.match.gt_dir = a.get("--gt-dir");
  o.match.iuv_dir = a.get("--iuv-dir");
  o.match.pairs_csv = a.get("--pairs");
  o.data_root = a.get("--data-root");
  o.split = a.get("--split", o.split);
  o.no_pairs = a.has("--no-pairs");
  o.iuv_order = a.get_choice("--iuv-order", {"bgr", "rgb", "auto"}, o.iuv_order);
  o.json = a.get("--json");
  o.grid = a.get("--grid");
  o.max_grid = a.get_int("--max-grid", 1, 100000, o.max_grid);
  o.per_image = o.per_image_given = a.has("--per-image");
  o.quiet = a.has("--quiet");
  o.inception_given = a.has("--inception");
  o.inception = a.get("--inception");
  o.device = a.get("--device", o.device);
  o.lpips_given = a.has("--lpips");
  o.lpips = a.get("--lpips");
  o.protocol = a.get_choice("--protocol", {"plain", "patn"}, o.protocol);
  DPT_USAGE_CHECK(!o.match.pred_dir.empty(), "--pred-dir is required");
  if (!o.data_root.empty()) {
    const std::string base = o.data_root + "/" + o.split;
    if (o.match.gt_dir.empty()) o.match.gt_dir = base;
    std::error_code ec;
    if (o.match.iuv_dir.empty() && std::filesystem::is_directory(base + "_iuv", ec)) o.match.iuv_dir = base + "_iuv";
    const std::string pairs = o.data_root + "/pairs-" + o.split + ".csv";
    if (o.match.pairs_csv.empty() && !o.no_pairs && dpt::file_exists(pairs)) o.match.pairs_csv = pairs;
  }
  DPT_USAGE_CHECK(!o.match.gt_dir.empty(), "--gt-dir (or --data-root) is required");
  DPT_USAGE_CHECK(o.grid.empty() || dpt::file_extension(o.grid) == ".png", "--grid: '" << o.grid << "' must end in .png");
  return o;
}

// Loads the Inception-v3 weights before any image is read, so that a wrong file fails in seconds.
dpt::eval::InceptionV3 load_inception(const std::string& path) {
  DPT_CHECK(!path.empty(), "--inception: empty file name");
  DPT_CHECK(dpt::file_exists(path), "--inception: weights file '" << path
                                        << "' does not exist (expected Inception-v3 weights converted to safetensors, "
                                           "see --help)");
  return dpt::eval::InceptionV3::load(path);  // names the first missing or misshapen tensor
}

// Loads the LPIPS weights before any image is read, so that a wrong file fails in seconds.
dpt::eval::Lpips load_lpips(const std::string& path) {
  DPT_CHECK(!path.empty(), "--lpips: empty file name");
  DPT_CHECK(dpt::file_exists(path), "--lpips: weights file '"
                                        << path
                                        << "' does not exist (expected torchvision's AlexNet features and the LPIPS "
                                           "v0.1 linear heads converted to safetensors, see --help)");
  return dpt::eval::Lpips::load(path);  // names the first missing or misshapen tensor
}

dpt::Json run_json(const Options& o) {
  dpt::Json r = dpt::Json::object();
  r.set("pred_dir", o.match.pred_dir);
  r.set("gt_dir", o.match.gt_dir);
  r.set("iuv_dir", o.match.iuv_dir.empty() ? dpt::Json(nullptr) : dpt::Json(o.match.iuv_dir));
  r.set("pairs", o.match.pairs_csv.empty() ? dpt::Json(nullptr) : dpt::Json(o.match.pairs_csv));
  r.set("iuv_order", o.iuv_order);
  r.set("inception", o.inception_given ? dpt::Json(o.inception) : dpt::Json(nullptr));
  r.set("lpips", o.lpips_given ? dpt::Json(o.lpips) : dpt::Json(nullptr));
  r.set("protocol", o.protocol);
  return r;
}

int run(const Args& a) {
  dpt::cli::apply_threads(a);
  const Options o = parse_args(a);
  std::optional<dpt::eval::InceptionV3> net;
  std::optional<dpt::eval::Lpips> lpips;
  if (o.inception_given || o.lpips_given) {
    const dpt::Device device = dpt::use_device(o.device);  // a missing device fails before any work
    if (o.lpips_given) {
      lpips = load_lpips(o.lpips);
      lpips->to(device);
    }
    if (o.inception_given) {
      net = load_inception(o.inception);
      net->to(device);
    }
  }
  const dpt::eval::Protocol protocol = dpt::eval::parse_protocol(o.protocol);
  const dpt::IUVOrder order = dpt::parse_iuv_order(o.iuv_order);
  const std::vector<dpt::eval::EvalItem> items = dpt::eval::match_files(o.match);
  dpt::Progress progress("dpt-eval", static_cast<int64_t>(items.size()));
  progress.set_enabled(!o.quiet);
  auto results = dpt::eval::evaluate(
      items, order, [&](size_t done, size_t) { progress.update(static_cast<int64_t>(done)); }, protocol);
  progress.finish();
  if (lpips) {
    dpt::Progress lpips_progress("LPIPS", static_cast<int64_t>(results.size()));
    lpips_progress.set_enabled(!o.quiet);
    dpt::eval::add_lpips(*lpips, results, [&](size_t done, size_t) { lpips_progress.update(static_cast<int64_t>(done)); });
    lpips_progress.finish();
  }
  const dpt::eval::Summary summary = dpt::eval::summarize(results, protocol);
  std::optional<dpt::eval::InceptionSummary> incep;
  if (net) {
    std::optional<dpt::Progress> incep_progress;
    incep = dpt::eval::inception_summary(*net, o.inception, items, [&](size_t done, size_t total) {
      if (!incep_progress) {
        incep_progress.emplace("Inception-v3", static_cast<int64_t>(total));
        incep_progress->set_enabled(!o.quiet);
      }
      incep_progress->update(static_cast<int64_t>(done));
    });
  }
  if (!o.quiet) {
    if (o.per_image || (!o.per_image_given && results.size() <= 20)) std::cout << dpt::eval::per_image_table(results) << "\n";
    std::cout << dpt::eval::summary_table(summary);
    if (incep) std::cout << dpt::eval::inception_table(*incep);
  }
  if (!o.json.empty()) {
    dpt::Json report = dpt::eval::report_json(results, summary, run_json(o));
    if (incep) dpt::eval::add_inception_json(report, *incep);
    const std::string text = report.dump() + "\n";
    dpt::write_file_atomic(o.json, text.data(), text.size());
    if (!o.quiet) std::cout << "wrote " << o.json << "\n";
  }
  if (!o.grid.empty()) {
    dpt::write_png(o.grid, dpt::eval::make_grid(items, static_cast<size_t>(o.max_grid)));
    if (!o.quiet) std::cout << "wrote " << o.grid << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return dpt::cli::run("dpt-eval", kUsage, argc, argv, kOptions, 0, run); }
