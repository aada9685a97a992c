// dpt-infer's SCA-GAN modes (see sca.h): inputs of models/sca/inference.h, the frozen forward, and the
// output bytes round((y + 1) * 127.5) clamped.
#include "tools/dpt-infer/sca.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "io/dataset.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/image_path.h"
#include "io/keypoints.h"
#include "io/safetensors.h"
#include "io/sca_dataset.h"
#include "models/checkpoint.h"
#include "models/sca/checkpoint.h"
#include "models/sca/inference.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "tools/common/each_item.h"

namespace dpt {

const std::vector<std::string> kScaInferOptions = {"--keypoints", "--source-name", "--target-name", "--source-edges",
                                                   "--seed", "--z", "--edges"};

bool is_sca_checkpoint(const std::string& path) {
  const SafetensorsFile f = SafetensorsFile::read(path);
  const auto& m = f.metadata();
  return m.count("family") ? checkpoint_family(f) == kScaFamily : m.count("sca_config") != 0;
}

namespace {

using cli::Args;

// --seed N (default 0) or --z zero|FILE, as sca_latent's spec.
std::string latent_spec(const Args& a) {
  DPT_USAGE_CHECK(!(a.has("--seed") && a.has("--z")), "--seed and --z exclude each other");
  if (a.has("--z")) return a.get("--z");
  return "seed:" + std::to_string(a.get_int("--seed", 0, int64_t(1) << 62, 0));
}

std::unique_ptr<ScaGan> load_model(const Args& a, Device device) {
  auto model = load_sca_model(a.get("--checkpoint"), /*with_disc=*/false);
  if (device.is_cuda()) model->to(device);
  return model;
}

const Keypoints& keypoints_of(const KeypointTable& t, const std::string& name) {
  const Keypoints* k = t.find(name);
  DPT_CHECK(k, t.path << ": no keypoints for '" << name << "' (names are matched exactly or by image stem; "
                      << t.names.size() << " rows)");
  return *k;
}

Tensor bep2_display(const Tensor& bep2) {  // the patches of every joint over one white plate, lines dark
  Tensor m = mul_scalar(max(mul_scalar(bep2, -1.0), 1, /*keepdim=*/true), -1.0);  // min over joints
  return cat({m, m, m}, 1);
}

// source/target edge maps, generated target edge map, target heatmaps, BEP2 and the output.
void save_intermediates(const std::string& dir, const ScaInferInputs& in, const ScaInferOutputs& o,
                        const Tensor* target_ep) {
  make_dirs(dir);
  write_png(dir + "/source_edges.png", tensor_to_image(sca_edge_display(in.EP1)));
  if (target_ep) write_png(dir + "/target_edges.png", tensor_to_image(sca_edge_display(*target_ep)));
  write_png(dir + "/generated_target_edges.png", tensor_to_image(sca_edge_display(o.fake_EP2)));
  write_png(dir + "/target_heatmaps.png", tensor_to_image(sca_heatmap_display(in.BP2)));
  write_png(dir + "/bep2.png", tensor_to_image(bep2_display(in.BEP2)));
  write_png(dir + "/fake_P2.png", tensor_to_image(o.fake_P2));
}

std::string base_name(const std::string& path) {
  const size_t s = path.find_last_of('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}

}  // namespace

int run_sca_single(const Args& a, Device device) {
  for (const char* r : {"--checkpoint", "--source", "--keypoints", "--target-name", "--out"})
    DPT_USAGE_CHECK(a.has(r), "SCA-GAN pose transfer needs " << r << " (the source and target keypoints come from "
                                                             << "--keypoints CSV, rows --source-name and --target-name)");
  a.only({"--checkpoint", "--source", "--keypoints", "--target-name", "--out", "--source-name", "--source-edges", "--seed",
          "--z", "--save-intermediates", "--model", "--device", "--conv-backend", "--threads"},
         "SCA-GAN pose transfer");
  const std::string spec = latent_spec(a);
  const KeypointTable table = read_keypoints_csv(a.get("--keypoints"));
  const std::string src_name = a.get("--source-name", base_name(a.get("--source")));
  const Keypoints& ks = keypoints_of(table, src_name);
  const Keypoints& kt = keypoints_of(table, a.get("--target-name"));
  auto model = load_model(a, device);
  const ScaConfig& cfg = model->cfg;
  check_keypoints_fit(ks, cfg.H, cfg.W, table.path + " row '" + src_name + "'");
  check_keypoints_fit(kt, cfg.H, cfg.W, table.path + " row '" + a.get("--target-name") + "'");
  const ScaInferInputs in = load_sca_inputs(cfg, a.get("--source"), a.get("--source-edges"), ks, kt);
  const ScaInferOutputs o = run_sca_transfer(*model, in, sca_latent(spec, cfg.z_dim, 0));
  write_image(a.get("--out"), tensor_to_image(o.fake_P2));
  if (a.has("--save-intermediates")) save_intermediates(a.get("--save-intermediates"), in, o, nullptr);
  std::fprintf(stderr, "wrote %s\n", a.get("--out").c_str());
  return 0;
}

int run_sca_batch(const Args& a, Device device) {
  for (const char* r : {"--checkpoint", "--root", "--out-dir"}) DPT_USAGE_CHECK(a.has(r), "SCA-GAN batch pose transfer needs " << r);
  a.only({"--checkpoint", "--root", "--out-dir", "--split", "--pairs", "--keypoints", "--edges", "--seed", "--z",
          "--save-intermediates", "--model", "--device", "--conv-backend", "--threads"},
         "SCA-GAN batch pose transfer");
  const std::string root = a.get("--root"), split = a.get("--split", "test"), out_dir = a.get("--out-dir");
  const std::string spec = latent_spec(a);
  const std::string edges = a.get_choice("--edges", {"auto", "files", "xdog"}, "auto");
  auto first_existing = [&](const std::vector<std::string>& names, const char* what) {
    for (const auto& n : names)
      if (file_exists(root + "/" + n)) return root + "/" + n;
    DPT_FAIL("SCA-GAN batch: no " << what << " in " << root << " (looked for " << names[0] << ", " << names[1] << ")");
  };
  const std::string pairs_path =
      a.get("--pairs", first_existing({"fasion-resize-pairs-" + split + ".csv", "fashion-resize-pairs-" + split + ".csv",
                                       "pairs-" + split + ".csv"},
                                      "pairs CSV"));
  const std::string kp_path = a.get("--keypoints", first_existing({"fasion-resize-annotation-" + split + ".csv",
                                                                  "fashion-resize-annotation-" + split + ".csv"},
                                                                 "keypoint annotation CSV"));
  const auto pairs = read_pairs_csv(pairs_path);
  DPT_CHECK(!pairs.empty(), pairs_path << ": no pairs");
  const KeypointTable table = read_keypoints_csv(kp_path);
  auto model = load_model(a, device);
  const ScaConfig& cfg = model->cfg;
  const std::string edge_dir = root + "/trainE/diff";  // all splits' edges (docs/sca.md section 1)
  const bool from_files = edges == "files" || (edges == "auto" && std::filesystem::is_directory(edge_dir));
  // Resolve every file and keypoint row first, so a missing one fails before any work.
  struct Job {
    std::string name, src, src_edges, tgt, tgt_edges;
    Keypoints ks, kt;
  };
  std::vector<Job> jobs;
  const std::string dir = root + "/" + split + "/";
  for (const auto& [from, to] : pairs) {
    Job j;
    j.name = image_stem(from) + "___" + image_stem(to);
    j.src = find_image(dir, from);
    DPT_CHECK(!j.src.empty(), pairs_path << ": image '" << from << "' not found in " << dir);
    j.tgt = find_image(dir, to);
    if (from_files) {
      j.src_edges = edge_dir + "/" + sca_edge_file_name(from);
      DPT_CHECK(file_exists(j.src_edges), j.src_edges << ": missing edge map of " << from
                                                      << " (run dpt-edges, or --edges xdog)");
      if (!j.tgt.empty() && file_exists(edge_dir + "/" + sca_edge_file_name(to)))
        j.tgt_edges = edge_dir + "/" + sca_edge_file_name(to);
    }
    j.ks = keypoints_of(table, from);
    j.kt = keypoints_of(table, to);
    check_keypoints_fit(j.ks, cfg.H, cfg.W, kp_path + " row '" + from + "'");
    check_keypoints_fit(j.kt, cfg.H, cfg.W, kp_path + " row '" + to + "'");
    jobs.push_back(j);
  }
  make_dirs(out_dir);
  std::vector<std::string> names;
  for (const Job& j : jobs) names.push_back(j.name);
  cli::for_each_item("dpt-infer", "pair", names, [&](size_t i) {
    const Job& j = jobs[i];
    const ScaInferInputs in = load_sca_inputs(cfg, j.src, j.src_edges, j.ks, j.kt);
    const ScaInferOutputs o = run_sca_transfer(*model, in, sca_latent(spec, cfg.z_dim, static_cast<int64_t>(i)));
    write_png(out_dir + "/" + j.name + ".png", tensor_to_image(o.fake_P2));
    if (a.has("--save-intermediates")) {
      Tensor target_ep;
      if (!j.tgt.empty()) target_ep = load_sca_inputs(cfg, j.tgt, j.tgt_edges, j.kt, j.kt).EP1;
      save_intermediates(a.get("--save-intermediates") + "/" + j.name, in, o, j.tgt.empty() ? nullptr : &target_ep);
    }
  });
  std::fprintf(stderr, "wrote %zu images to %s\n", jobs.size(), out_dir.c_str());
  return 0;
}

}  // namespace dpt
