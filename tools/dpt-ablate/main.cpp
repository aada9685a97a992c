// dpt-ablate: the paper's Table 3 ablation at inference time. For every test pair it writes the
// outputs of the variants below as <out>/<variant>/<from>___<to>.png, for dpt-eval --pairs.
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "core/autograd.h"
#include "core/threading.h"
#include "io/dataset.h"
#include "io/image.h"
#include "io/iuv.h"
#include "models/dpt/checkpoint.h"
#include "models/dpt/inference.h"
#include "ops/device.h"

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
Note: the variants share one trained model; the paper retrains each ablation.
)";

void save(const std::string& dir, const std::string& name, const Tensor& y) {
  mkdir(dir.c_str(), 0755);
  write_png(dir + "/" + name + ".png", tensor_to_image(y.select(0, 0).to(Device::cpu())));
}
}  // namespace

int main(int argc, char** argv) {
  try {
    std::string ckpt, root, out, split = "test", device_spec = "cpu", order_name = "bgr";
    int64_t max_pairs = -1;
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw Error(a + " needs a value (see --help)");
        return argv[++i];
      };
      if (a == "-h" || a == "--help") {
        std::fputs(kUsage, stdout);
        return 0;
      } else if (a == "--checkpoint") ckpt = value();
      else if (a == "--data") root = value();
      else if (a == "--out") out = value();
      else if (a == "--split") split = value();
      else if (a == "--threads") set_num_threads(std::stoi(value()));
      else if (a == "--max") max_pairs = std::stoll(value());
      else if (a == "--device") device_spec = value();
      else if (a == "--iuv-order") order_name = value();
      else throw Error("unknown option '" + a + "' (see --help)");
    }
    DPT_CHECK(!ckpt.empty() && !root.empty() && !out.empty(), "--checkpoint, --data and --out are required (see --help)");
    const Device device = use_device(device_spec);
    const IUVOrder order = parse_iuv_order(order_name);
    auto model = load_model(ckpt, /*with_disc=*/false);
    move_model(*model, device);
    const Config& cfg = model->cfg;
    DatasetIndex index = DatasetIndex::load(root, split);
    index.validate(static_cast<int>(cfg.H), static_cast<int>(cfg.W));
    mkdir(out.c_str(), 0755);
    NoGradGuard ng;
    const auto& pairs = index.pairs();
    const int64_t n = max_pairs < 0 ? static_cast<int64_t>(pairs.size()) : std::min<int64_t>(max_pairs, pairs.size());
    for (int64_t k = 0; k < n; ++k) {
      const DatasetSample& s = index.samples()[pairs[k].first];
      const DatasetSample& t = index.samples()[pairs[k].second];
      Tensor x_s = image_to_tensor(read_image(s.image)).unsqueeze(0).to(device);
      Tensor iuv_s = read_iuv(s.iuv, order).unsqueeze(0).to(device);
      Tensor iuv_t = read_iuv(t.iuv, order).unsqueeze(0).to(device);
      const std::string name = s.name + "___" + t.name;
      for (const auto& [variant, y] : model->ablation_forward(x_s, iuv_s, iuv_t).named()) save(out + "/" + variant, name, y);
      std::fprintf(stderr, "\rdpt-ablate: %lld/%lld pairs", static_cast<long long>(k + 1), static_cast<long long>(n));
    }
    std::fprintf(stderr, "\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dpt-ablate: error: %s\n", e.what());
    return 1;
  }
}
