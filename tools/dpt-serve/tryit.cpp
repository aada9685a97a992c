// Try-it jobs (see tryit.h).
#include "tools/dpt-serve/tryit.h"

#include <sys/stat.h>

#include "eval/ssim.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/keypoints.h"
#include "io/safetensors.h"
#include "models/checkpoint.h"
#include "models/dpt/checkpoint.h"
#include "models/dpt/inference.h"
#include "models/sca/checkpoint.h"
#include "models/sca/inference.h"

namespace dpt::serve {

TryIt::TryIt(Device device) : device_(device) {}
TryIt::~TryIt() = default;

std::string base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return out;
}

std::string file_base64(const std::string& path) {
  const std::vector<uint8_t> b = read_file_bytes(path);
  return base64(std::string(b.begin(), b.end()));
}

std::string checkpoint_family_of(const std::string& path) {
  const SafetensorsFile f = SafetensorsFile::read(path);
  const auto& m = f.metadata();
  const bool sca = m.count("family") ? checkpoint_family(f) == kScaFamily : m.count("sca_config") != 0;
  return sca ? "sca" : "dpt";
}

std::string TryIt::cache_key(const std::string& checkpoint) {
  struct stat st {};
  DPT_CHECK(::stat(checkpoint.c_str(), &st) == 0, "checkpoint not found: " << checkpoint);
  return checkpoint + "@" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "/" +
         std::to_string(st.st_size);
}

Json TryIt::transfer(const TransferFiles& f, const std::string& work_dir) {
  const std::string key = cache_key(f.checkpoint);
  const bool cached = key == cached_key_ && (cached_ || cached_sca_);
  const bool sca = cached ? cached_sca_ != nullptr : checkpoint_family_of(f.checkpoint) == "sca";
  return sca ? transfer_sca(f, work_dir) : transfer_dpt(f, work_dir);
}

void TryIt::add_ground_truth(Json& res, const std::string& target_image, const std::string& output) {
  if (target_image.empty()) return;
  const Image8 gt = read_image(target_image), out = read_image(output);
  res.set("ground_truth", file_base64(target_image));
  if (gt.height == out.height && gt.width == out.width) res.set("ssim", eval::ssim(gt, out, nullptr, target_image));
}

Json TryIt::transfer_dpt(const TransferFiles& f, const std::string& work_dir) {
  DPT_CHECK(!f.source_iuv.empty() && !f.target_iuv.empty(),
            "a DPT checkpoint needs the source's IUV map and the target IUV map");
  // The inputs first (a bad upload fails before any model is loaded), then the network.
  const TransferInputs in = load_transfer_inputs(f.source, f.source_iuv, f.target_iuv);
  const std::string key = cache_key(f.checkpoint);
  if (key != cached_key_ || !cached_) {
    cached_.reset();
    cached_sca_.reset();
    cached_key_.clear();
    auto m = load_model(f.checkpoint, /*with_disc=*/false);
    move_model(*m, device_);
    cached_ = std::move(m);
    cached_key_ = key;
    ++loads_;
  }
  const GeneratorOutputs o = run_transfer(*cached_, in);
  const std::string dir = work_dir + "/out";
  save_transfer_intermediates(o, dir);
  Json res = Json::object();
  res.set("family", "dpt");
  res.set("output", file_base64(dir + "/y_hat.png"));
  Json inter = Json::object();
  for (const char* n : {"y_p", "y_w", "r", "atlas_source", "atlas_inpainted", "atlas_full"})
    inter.set(n, file_base64(dir + "/" + std::string(n) + ".png"));
  res.set("intermediates", inter);
  add_ground_truth(res, f.target_image, dir + "/y_hat.png");
  return res;
}

// As dpt-infer's SCA-GAN single mode with its defaults: XDoG source edges, z from seed 0 (pair 0).
Json TryIt::transfer_sca(const TransferFiles& f, const std::string& work_dir) {
  DPT_CHECK(!f.keypoints.empty() && !f.target_name.empty(),
            "an SCA-GAN checkpoint needs keypoints (a PATN annotation CSV) and the target's name in it");
  const KeypointTable table = read_keypoints_csv(f.keypoints);
  auto row = [&](const std::string& name) -> const Keypoints& {
    const Keypoints* k = table.find(name);
    DPT_CHECK(k, table.path << ": no keypoints for '" << name << "' (names are matched exactly or by image stem; "
                            << table.names.size() << " rows)");
    return *k;
  };
  const Keypoints& ks = row(f.source_name);
  const Keypoints& kt = row(f.target_name);
  const std::string key = cache_key(f.checkpoint);
  if (key != cached_key_ || !cached_sca_) {
    cached_.reset();
    cached_sca_.reset();
    cached_key_.clear();
    auto m = load_sca_model(f.checkpoint, /*with_disc=*/false);
    if (device_.is_cuda()) m->to(device_);
    cached_sca_ = std::move(m);
    cached_key_ = key;
    ++loads_;
  }
  const ScaConfig& cfg = cached_sca_->cfg;
  check_keypoints_fit(ks, cfg.H, cfg.W, table.path + " row '" + f.source_name + "'");
  check_keypoints_fit(kt, cfg.H, cfg.W, table.path + " row '" + f.target_name + "'");
  const ScaInferInputs in = load_sca_inputs(cfg, f.source, "", ks, kt);
  const ScaInferOutputs o = run_sca_transfer(*cached_sca_, in, sca_latent("seed:0", cfg.z_dim, 0));
  const std::string dir = work_dir + "/out";
  make_dirs(dir);
  write_png(dir + "/fake_P2.png", tensor_to_image(o.fake_P2));
  write_png(dir + "/source_edges.png", tensor_to_image(sca_edge_display(in.EP1)));
  write_png(dir + "/generated_target_edges.png", tensor_to_image(sca_edge_display(o.fake_EP2)));
  write_png(dir + "/target_heatmaps.png", tensor_to_image(sca_heatmap_display(in.BP2)));
  Json res = Json::object();
  res.set("family", "sca");
  res.set("output", file_base64(dir + "/fake_P2.png"));
  Json inter = Json::object();
  for (const char* n : {"source_edges", "generated_target_edges", "target_heatmaps"})
    inter.set(n, file_base64(dir + "/" + std::string(n) + ".png"));
  res.set("intermediates", inter);
  add_ground_truth(res, f.target_image, dir + "/fake_P2.png");
  return res;
}

Json TryIt::render(const std::string& atlas_path, const std::string& target_iuv, const std::string& work_dir) {
  const Tensor atlas = atlas_from_image(read_image(atlas_path), "atlas");
  const Tensor iuv = read_iuv(target_iuv, IUVOrder::BGR).unsqueeze(0);
  const std::string out = work_dir + "/render.png";
  write_png(out, tensor_to_image(render_atlas(atlas, iuv)));
  Json res = Json::object();
  res.set("output", file_base64(out));
  return res;
}

}  // namespace dpt::serve
