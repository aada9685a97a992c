// dpt-infer: Dense Pose Transfer inference from a checkpoint (one pair, or a batch from a pairs CSV),
// plus two tools that need no checkpoint: splat a person into a UV atlas, render an atlas onto a pose.
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/threading.h"
#include "io/dataset.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/iuv.h"
#include "models/dpt/checkpoint.h"
#include "ops/device.h"
#include "models/dpt/inference.h"

using namespace dpt;

namespace {

const char* kUsage = R"(dpt-infer: Dense Pose Transfer inference and UV-texture tools.

Pose transfer (one pair):
  dpt-infer --checkpoint MODEL.safetensors --source IMG --source-iuv IUV --target-iuv IUV --out OUT.png
            [--save-intermediates DIR]
Pose transfer (batch, DeepFashion layout <root>/<split>/<name>, <root>/<split>_iuv/<stem>.png):
  dpt-infer --checkpoint MODEL.safetensors --root DIR [--split test] [--pairs PAIRS.csv] --out-dir DIR
            [--save-intermediates DIR]
  (pairs default to <root>/pairs-<split>.csv, header from,to; outputs are <from>___<to>.png, stems)
Texture tools (no checkpoint):
  dpt-infer --source IMG --source-iuv IUV --save-atlas ATLAS.png [--tile-size S]
      splats the person into a 6S x 4S DensePose atlas (default S = 256); unobserved texels are black
  dpt-infer --atlas ATLAS.png --target-iuv IUV --out OUT.png
      renders any 6S x 4S atlas (S = width / 4, e.g. 200 for texture_from_SURREAL.png) onto the pose,
      background white

Options:
  --device cpu|cuda[:N] where the networks run (default cpu)
  --conv-backend native|cudnn  CUDA convolution kernels (default native, the tested path)
  --threads N           CPU threads (default: all cores, or DPT_THREADS)
  --iuv-order ORDER     channel order of the IUV PNGs: bgr (DensePose, default), rgb (PIL writers), auto
  --help                this text

The output image is y_hat clamped to [-1, 1] and written as round((y + 1) * 127.5). Intermediates
(--save-intermediates): y_p, y_w (warped atlas), r (residual), atlas_source (splatted source, unobserved
black), atlas_inpainted (inpainter output), atlas_full (the completed atlas that is warped).
)";

struct Args {
  std::map<std::string, std::string> v;
  bool has(const std::string& k) const { return v.count(k) != 0; }
  std::string get(const std::string& k, const std::string& def = "") const {
    auto it = v.find(k);
    return it == v.end() ? def : it->second;
  }
};

const std::set<std::string> kOptions = {"--checkpoint", "--source",  "--source-iuv", "--target-iuv", "--out",
                                        "--device",     "--threads", "--iuv-order",  "--save-intermediates",
                                        "--pairs",      "--root",    "--split",      "--out-dir",
                                        "--save-atlas", "--tile-size", "--atlas"};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      a.v["--help"] = "";
      continue;
    }
    std::string val;
    const size_t eq = k.find('=');
    if (k.rfind("--", 0) == 0 && eq != std::string::npos) {
      val = k.substr(eq + 1);
      k = k.substr(0, eq);
    } else {
      DPT_CHECK(kOptions.count(k), "unknown option '" << k << "' (see --help)");
      DPT_CHECK(i + 1 < argc, "option " << k << " needs a value (see --help)");
      val = argv[++i];
    }
    DPT_CHECK(kOptions.count(k), "unknown option '" << k << "' (see --help)");
    DPT_CHECK(!a.has(k), "option " << k << " given twice");
    a.v[k] = val;
  }
  return a;
}

// Every required option present, and no option that this mode does not use.
void check_mode(const Args& a, const char* mode, const std::vector<std::string>& required,
                const std::vector<std::string>& optional) {
  for (const auto& r : required) DPT_CHECK(a.has(r), mode << " needs " << r << " (see --help)");
  std::set<std::string> ok(required.begin(), required.end());
  ok.insert(optional.begin(), optional.end());
  ok.insert({"--device", "--threads", "--iuv-order"});
  for (const auto& kv : a.v)
    DPT_CHECK(ok.count(kv.first), kv.first << " is not used by " << mode << " (see --help)");
}

int64_t parse_int(const std::string& opt, const std::string& s, int64_t lo) {
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  DPT_CHECK(!s.empty() && *end == '\0' && v >= lo, opt << " must be an integer >= " << lo << ", got '" << s << "'");
  return v;
}

void make_dir(const std::string& d) {
  std::string cur;
  for (size_t i = 0; i <= d.size(); ++i) {
    if (i == d.size() || d[i] == '/') {
      if (!cur.empty()) {
        struct stat st;
        if (stat(cur.c_str(), &st) != 0) DPT_CHECK(mkdir(cur.c_str(), 0755) == 0 || errno == EEXIST, "cannot create directory " << cur);
        else DPT_CHECK(S_ISDIR(st.st_mode), cur << " exists and is not a directory");
      }
    }
    if (i < d.size()) cur += d[i];
  }
}

void save_intermediates(const GeneratorOutputs& o, const std::string& dir) {
  make_dir(dir);
  write_png(dir + "/y_p.png", tensor_to_image(o.y_p));
  write_png(dir + "/y_w.png", tensor_to_image(o.y_w));
  write_png(dir + "/r.png", tensor_to_image(o.r));
  write_png(dir + "/atlas_source.png", tensor_to_image(atlas_for_display(o.tex_s, o.M_s)));
  write_png(dir + "/atlas_inpainted.png", tensor_to_image(o.tex_hat));
  write_png(dir + "/atlas_full.png", tensor_to_image(o.tex_full));
  write_png(dir + "/y_hat.png", tensor_to_image(o.y_hat));
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
  if (a.has("--save-intermediates")) save_intermediates(o, a.get("--save-intermediates"));
  std::fprintf(stderr, "wrote %s\n", a.get("--out").c_str());
  return 0;
}

// "a.jpg" -> "a" (extensions .png, .jpg, .jpeg in any case); other names are returned unchanged.
std::string image_stem(const std::string& name) {
  const std::string ext = file_extension(name);
  if (ext == ".png" || ext == ".jpg" || ext == ".jpeg") return name.substr(0, name.size() - ext.size());
  return name;
}

// <root>/<split>/<name> as listed, else <stem>.jpg|.png|.jpeg; IUV <root>/<split>_iuv/<stem>.png.
std::string resolve_image(const std::string& root, const std::string& split, const std::string& name) {
  const std::string dir = root + "/" + split + "/";
  if (file_exists(dir + name)) return dir + name;
  const std::string stem = image_stem(name);
  for (const char* ext : {".jpg", ".png", ".jpeg", ".JPG", ".PNG"})
    if (file_exists(dir + stem + ext)) return dir + stem + ext;
  DPT_FAIL("image '" << name << "' not found in " << dir << " (tried " << name << ", " << stem << ".jpg|.png|.jpeg)");
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
  make_dir(out_dir);
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Job& j = jobs[i];
    try {
      TransferInputs in = load_transfer_inputs(j.src, j.src_iuv, j.tgt_iuv, order);
      if (i == 0) note_size(model->cfg, in.x_s, j.src);
      GeneratorOutputs o = run_transfer(*model, in);
      write_png(out_dir + "/" + j.name + ".png", tensor_to_image(o.y_hat));
      if (a.has("--save-intermediates")) save_intermediates(o, a.get("--save-intermediates") + "/" + j.name);
    } catch (const Error& e) {
      std::fprintf(stderr, "\n");
      DPT_FAIL("pair " << i + 1 << " of " << jobs.size() << " (" << j.name << "): " << e.what());
    }
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "\r[%zu/%zu] %.2f s/image, ETA %.0f s   %s", i + 1, jobs.size(), el / (i + 1),
                 el / (i + 1) * (jobs.size() - i - 1), j.name.c_str());
    std::fflush(stderr);
  }
  std::fprintf(stderr, "\nwrote %zu images to %s\n", jobs.size(), out_dir.c_str());
  return 0;
}

int run_save_atlas(const Args& a, IUVOrder order) {
  check_mode(a, "--save-atlas", {"--source", "--source-iuv", "--save-atlas"}, {"--tile-size"});
  const int64_t S = a.has("--tile-size") ? parse_int("--tile-size", a.get("--tile-size"), 2) : 256;
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
  try {
    Args a = parse_args(argc, argv);
    if (a.has("--help") || argc == 1) {
      std::fputs(kUsage, argc == 1 ? stderr : stdout);
      return argc == 1 ? 2 : 0;
    }
    if (a.has("--threads")) set_num_threads(static_cast<int>(parse_int("--threads", a.get("--threads"), 1)));
    const Device device = use_device(a.get("--device", "cpu"));
    if (a.has("--conv-backend")) set_conv_backend(a.get("--conv-backend"));
    const IUVOrder order = parse_iuv_order(a.get("--iuv-order", "bgr"));
    if (a.has("--save-atlas")) return run_save_atlas(a, order);
    if (a.has("--atlas")) return run_render_atlas(a, order);
    if (a.has("--root") || a.has("--pairs") || a.has("--out-dir")) return run_batch(a, device, order);
    return run_single(a, device, order);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dpt-infer: error: %s\n", e.what());
    return 1;
  }
}
