// dpt-ablate: the paper's Table 3 ablation at inference time. For every test pair it writes the
// outputs of the variants below as <out>/<variant>/<from>___<to>.png, for dpt-eval --pairs.
#include <algorithm>
#include <string>

#include "core/autograd.h"
#include "io/dataset.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/image_path.h"
#include "io/iuv.h"
#include "models/dpt/checkpoint.h"
#include "models/dpt/inference.h"
#include "ops/device.h"
#include "tools/common/cli.h"
#include "tools/common/each_item.h"

using namespace dpt;

namespace {
const char* kUsage = R"(usage: dpt-ablate --checkpoint FILE --data ROOT --out DIR [--split test] [--threads N] [--max N]
                  [--device cpu|cuda[:N]] [--iuv-order bgr|rgb|auto]

Writes, per pair of ROOT/pairs-<split>.csv, DIR/<variant>/<from>___<to>.png for the variants
  full          y_hat: predictive + warping (with inpainting) + blending
  no_inpaint    y_hat with the inpainter bypassed (tex_full = observed texels only)
  predictive    y_p: the predictive module alone
  warp_only     y_w: the source texture warped to the target pose, no inpainting (background black)
  source        the source image copied (baseline)
Note: the variants share one trained model; the paper retrains each ablation. <from> and <to> are the
names of the pairs file without an image extension, as dpt-eval --pairs expects.

  --max N        the first N pairs only (default: all)
  --threads N    CPU threads, 0..256 (default: DPT_THREADS, else 0 = all cores)
)";

const std::vector<cli::Option> kOptions = {{"--checkpoint"}, {"--data"},   {"--out"},    {"--split"},
                                           {"--threads"},    {"--max"},    {"--device"}, {"--iuv-order"}};

void save(const std::string& dir, const std::string& name, const Tensor& y) {
  make_dirs(dir);
  write_png(dir + "/" + name + ".png", tensor_to_image(y.select(0, 0).to(Device::cpu())));
}

int run(const cli::Args& a) {
  cli::apply_threads(a);
  const int64_t max_pairs = a.get_int("--max", 0, INT64_MAX, -1);
  const std::string order_name = a.get_choice("--iuv-order", {"bgr", "rgb", "auto"}, "bgr");
  const std::string ckpt = a.get("--checkpoint"), root = a.get("--data"), out = a.get("--out");
  const std::string split = a.get("--split", "test"), device_spec = a.get("--device", "cpu");
  DPT_USAGE_CHECK(!ckpt.empty() && !root.empty() && !out.empty(), "--checkpoint, --data and --out are required");
  const Device device = use_device(device_spec);
  const IUVOrder order = parse_iuv_order(order_name);
  auto model = load_model(ckpt, /*with_disc=*/false);
  move_model(*model, device);
  const Config& cfg = model->cfg;
  DatasetIndex index = DatasetIndex::load(root, split);
  index.validate(static_cast<int>(cfg.H), static_cast<int>(cfg.W));
  make_dirs(out);
  NoGradGuard ng;
  const auto& pairs = index.pairs();
  const int64_t n = max_pairs < 0 ? static_cast<int64_t>(pairs.size()) : std::min<int64_t>(max_pairs, pairs.size());
  std::vector<std::string> names;  // <from>___<to> without image extensions, as dpt-eval --pairs reads
  for (int64_t k = 0; k < n; ++k)
    names.push_back(image_stem(index.samples()[pairs[k].first].name) + "___" +
                    image_stem(index.samples()[pairs[k].second].name));
  cli::for_each_item("dpt-ablate", "pair", names, [&](size_t k) {
    const DatasetSample& s = index.samples()[pairs[k].first];
    const DatasetSample& t = index.samples()[pairs[k].second];
    Tensor x_s = image_to_tensor(read_image(s.image)).unsqueeze(0).to(device);
    Tensor iuv_s = read_iuv(s.iuv, order).unsqueeze(0).to(device);
    Tensor iuv_t = read_iuv(t.iuv, order).unsqueeze(0).to(device);
    for (const auto& [variant, y] : model->ablation_forward(x_s, iuv_s, iuv_t).named())
      save(out + "/" + variant, names[k], y);
  });
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::run("dpt-ablate", kUsage, argc, argv, kOptions, 0, run); }
