// dpt-infer: Dense Pose Transfer inference from a checkpoint (one pair, or a batch from a pairs CSV),
// plus two tools that need no checkpoint: splat a person into a UV atlas, render an atlas onto a pose.
#include <cstdio>
#include <string>
#include <vector>

#include "io/dataset.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/image_path.h"
#include "io/iuv.h"
#include "models/dpt/checkpoint.h"
#include "ops/device.h"
#include "models/dpt/inference.h"
#include "tools/common/cli.h"
#include "tools/common/each_item.h"
#include "tools/dpt-infer/sca.h"

using namespace dpt;

namespace {

const char* kUsage = R"(dpt-infer: Dense Pose Transfer and SCA-GAN inference, and UV-texture tools.

Pose transfer (one pair):
  dpt-infer --checkpoint MODEL.safetensors --source IMG --source-iuv IUV --target-iuv IUV --out OUT.png
            [--save-intermediates DIR]
Pose transfer (batch, DeepFashion layout <root>/<split>/<name>, <root>/<split>_iuv/<stem>.png):
  dpt-infer --checkpoint MODEL.safetensors --root DIR [--split test] [--pairs PAIRS.csv] --out-dir DIR
            [--save-intermediates DIR]
  (pairs default to <root>/pairs-<split>.csv, header from,to; outputs are <from>___<to>.png, stems)
SCA-GAN (--model sca, or picked from the checkpoint's metadata; docs/sca.md section 6):
  dpt-infer --checkpoint MODEL.safetensors --source IMG --keypoints ANNOTATION.csv --target-name NAME
            --out OUT.png [--source-name NAME] [--source-edges EDGE.png] [--seed N | --z zero|Z.safetensors]
            [--save-intermediates DIR]
      keypoints: a PATN annotation CSV (name: [y...]: [x...]); the source's row is --source-name
      (default: the file name of --source), the target pose is row --target-name. Without
      --source-edges the source's edge map is computed by XDoG (the checkpoint's parameters).
  dpt-infer --checkpoint MODEL.safetensors --root DIR [--split test] [--pairs PAIRS.csv]
            [--keypoints CSV] [--edges auto|files|xdog] --out-dir DIR [--seed N | --z ...]
      pairs default to DIR/fasion-resize-pairs-<split>.csv (or fashion-..., pairs-<split>.csv), keypoints
      to DIR/fasion-resize-annotation-<split>.csv, edges to DIR/trainE/diff/ when present (auto)
  z: --seed N draws z ~ N(0, I) for pair i from (N, i) (default seed 0: the same seed, the same
  output); --z zero uses the mean; --z FILE reads tensor "z" [z_dim] or [pairs, z_dim] from a safetensors
  file. Output bytes: round((fake_P2 + 1) * 127.5), clamped. Intermediates: source_edges,
  target_edges (batch), generated_target_edges, target_heatmaps (max over joints), bep2 (min over
  joints), fake_P2.
Texture tools (no checkpoint):
  dpt-infer --source IMG --source-iuv IUV --save-atlas ATLAS.png [--tile-size S]
      splats the person into a 6S x 4S DensePose atlas (default S = 256); unobserved texels are black
  dpt-infer --atlas ATLAS.png --target-iuv IUV --out OUT.png
      renders any 6S x 4S atlas (S = width / 4, e.g. 200 for texture_from_SURREAL.png) onto the pose,
      background white

Options:
  --model dpt|sca       the model family (default: from the checkpoint's metadata)
  --device cpu|cuda[:N] where the networks run (default cpu)
  --conv-backend native|cudnn  CUDA convolution kernels (default native, the tested path)
  --threads N           CPU threads, 0..256 (default: DPT_THREADS, else 0 = all cores)
  --iuv-order ORDER     channel order of the IUV PNGs: bgr (DensePose, default), rgb (PIL writers), auto
  --help                this text

The output image is y_hat clamped to [-1, 1] and written as round((y + 1) * 127.5). Intermediates
(--save-intermediates): y_p, y_w (warped atlas), r (residual), atlas_source (splatted source, unobserved
black), atlas_inpainted (inpainter output), atlas_full (the completed atlas that is warped).
)";

using cli::Args;

const std::vector<cli::Option> kOptions = {
    {"--checkpoint"}, {"--source"}, {"--source-iuv"}, {"--target-iuv"},   {"--out"},
    {"--device"},     {"--conv-backend"}, {"--threads"},  {"--iuv-order"}, {"--save-intermediates"},
    {"--pairs"},      {"--root"},   {"--split"},      {"--out-dir"},       {"--save-atlas"},
    {"--tile-size"},  {"--atlas"},  {"--model"},      {"--keypoints"},     {"--source-name"},
    {"--target-name"}, {"--source-edges"}, {"--seed"}, {"--z"},         {"--edges"}};

// Every required option present, and no option that this mode does not use.
void check_mode(const Args& a, const char* mode, const std::vector<std::string>& required,
                std::vector<std::string> allowed) {
  for (const auto& r : required) DPT_USAGE_CHECK(a.has(r), mode << " needs " << r);
  allowed.insert(allowed.end(), required.begin(), required.end());
  allowed.insert(allowed.end(), {"--device", "--conv-backend", "--threads", "--iuv-order", "--model"});
  a.only(allowed, mode);
}

// Loads the generator of a checkpoint (weights only) onto the device.
std::unique_ptr<DensePoseTransfer> load_generator(const Args& a, Device device) {
  auto model = load_model(a.get("--checkpoint"), /*with_disc=*/false);
  move_model(*model, device);
  return model;
}

void note_size(const Config& cfg, const Tensor& x, const std::string& what) {
  if (x.size(2) != cfg.H || x.size(3) != cfg.W)
    std::fprintf(stderr, "note: the checkpoint was trained at %lldx%lld, %s is %lldx%lld (the networks are fully "
                         "convolutional; quality may differ)\n",
                 (long long)cfg.H, (long long)cfg.W, what.c_str(), (long long)x.size(2), (long long)x.size(3));
}

int run_single(const Args& a, Device device, IUVOrder order) {
  check_mode(a, "pose transfer", {"--checkpoint", "--source", "--source-iuv", "--target-iuv", "--out"},
             {"--save-intermediates"});
  TransferInputs in = load_transfer_inputs(a.get("--source"), a.get("--source-iuv"), a.get("--target-iuv"), order);
  auto model = load_generator(a, device);
  note_size(model->cfg, in.x_s, a.get("--source"));
  GeneratorOutputs o = run_transfer(*model, in);
  write_image(a.get("--out"), tensor_to_image(o.y_hat));
  if (a.has("--save-intermediates")) save_transfer_intermediates(o, a.get("--save-intermediates"));
  std::fprintf(stderr, "wrote %s\n", a.get("--out").c_str());
  return 0;
}

// <root>/<split>/<name> as listed, else <stem> with an image extension (io/image_path.h).
std::string resolve_image(const std::string& root, const std::string& split, const std::string& name) {
  const std::string dir = root + "/" + split + "/", path = find_image(dir, name);
  DPT_CHECK(!path.empty(), "image '" << name << "' not found in " << dir << " (tried " << name << " and "
                                     << image_stem(name) << ".jpg|.jpeg|.png in either case)");
  return path;
}

std::string resolve_iuv(const std::string& root, const std::string& split, const std::string& name) {
  const std::string p = root + "/" + split + "_iuv/" + image_stem(name) + ".png";
  DPT_CHECK(file_exists(p), "IUV map of '" << name << "' not found: " << p);
  return p;
}

int run_batch(const Args& a, Device device, IUVOrder order) {
  check_mode(a, "batch pose transfer", {"--checkpoint", "--root", "--out-dir"},
             {"--split", "--pairs", "--save-intermediates"});
  const std::string root = a.get("--root"), split = a.get("--split", "test"), out_dir = a.get("--out-dir");
  const std::string pairs_path = a.get("--pairs", root + "/pairs-" + split + ".csv");
  const auto pairs = read_pairs_csv(pairs_path);
  DPT_CHECK(!pairs.empty(), pairs_path << ": no pairs");
  // Resolve every file first, so a missing one fails before any work.
  struct Job {
    std::string name, src, src_iuv, tgt_iuv;
  };
  std::vector<Job> jobs;
  for (const auto& p : pairs)
    jobs.push_back({image_stem(p.first) + "___" + image_stem(p.second), resolve_image(root, split, p.first),
                    resolve_iuv(root, split, p.first), resolve_iuv(root, split, p.second)});
  auto model = load_generator(a, device);
  make_dirs(out_dir);
  std::vector<std::string> names;
  for (const Job& j : jobs) names.push_back(j.name);
  cli::for_each_item("dpt-infer", "pair", names, [&](size_t i) {
    const Job& j = jobs[i];
    TransferInputs in = load_transfer_inputs(j.src, j.src_iuv, j.tgt_iuv, order);
    if (i == 0) note_size(model->cfg, in.x_s, j.src);
    GeneratorOutputs o = run_transfer(*model, in);
    write_png(out_dir + "/" + j.name + ".png", tensor_to_image(o.y_hat));
    if (a.has("--save-intermediates")) save_transfer_intermediates(o, a.get("--save-intermediates") + "/" + j.name);
  });
  std::fprintf(stderr, "wrote %zu images to %s\n", jobs.size(), out_dir.c_str());
  return 0;
}

int run_save_atlas(const Args& a, IUVOrder order) {
  check_mode(a, "--save-atlas", {"--source", "--source-iuv", "--save-atlas"}, {"--tile-size"});
  const int64_t S = a.get_int("--tile-size", 2, 4096, 256);  // 4096: a 24576 x 16384 atlas
  Image8 img = read_image(a.get("--source"));
  Tensor iuv = read_iuv(a.get("--source-iuv"), order);
  check_iuv_matches_image(a.get("--source-iuv"), iuv.size(1), iuv.size(2), a.get("--source"), img.height, img.width);
  Tensor atlas = splat_atlas(image_to_tensor(img).unsqueeze(0), iuv.unsqueeze(0), S);
  write_image(a.get("--save-atlas"), tensor_to_image(atlas));
  std::fprintf(stderr, "wrote %s (%lldx%lld, tile size %lld)\n", a.get("--save-atlas").c_str(),
               (long long)(6 * S), (long long)(4 * S), (long long)S);
  return 0;
}

int run_render_atlas(const Args& a, IUVOrder order) {
  check_mode(a, "--atlas", {"--atlas", "--target-iuv", "--out"}, {});
  Tensor atlas = atlas_from_image(read_image(a.get("--atlas")), a.get("--atlas"));
  Tensor iuv = read_iuv(a.get("--target-iuv"), order).unsqueeze(0);
  write_image(a.get("--out"), tensor_to_image(render_atlas(atlas, iuv)));
  std::fprintf(stderr, "wrote %s (atlas tile size %lld)\n", a.get("--out").c_str(), (long long)(atlas.size(3) / 4));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run("dpt-infer", kUsage, argc, argv, kOptions, 0, [](const Args& a) {
    cli::apply_threads(a);
    const IUVOrder order = parse_iuv_order(a.get_choice("--iuv-order", {"bgr", "rgb", "auto"}, "bgr"));
    const std::string backend = a.get_choice("--conv-backend", {"native", "cudnn"}, "native");
    const Device device = use_device(a.get("--device", "cpu"));
    if (a.has("--conv-backend")) set_conv_backend(backend);
    const std::string model = a.get_choice("--model", {"dpt", "sca"}, "");
    if (model == "sca" || (model.empty() && a.has("--checkpoint") && is_sca_checkpoint(a.get("--checkpoint")))) {
      DPT_USAGE_CHECK(!a.has("--iuv-order"), "--iuv-order is not used by SCA-GAN (it reads keypoints, not IUV maps)");
      if (a.has("--root") || a.has("--pairs") || a.has("--out-dir")) return run_sca_batch(a, device);
      return run_sca_single(a, device);
    }
    for (const auto& o : kScaInferOptions)
      DPT_USAGE_CHECK(!a.has(o), o << " is an SCA-GAN option (--model sca, or an SCA-GAN checkpoint)");
    if (a.has("--save-atlas")) return run_save_atlas(a, order);
    if (a.has("--atlas")) return run_render_atlas(a, order);
    if (a.has("--root") || a.has("--pairs") || a.has("--out-dir")) return run_batch(a, device, order);
    return run_single(a, device, order);
  });
}
