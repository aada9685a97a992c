// SCA-GAN inference through dpt-infer (docs/sca.md section 6): the reference's tiny checkpoint reproduces the
// reference's fake_P2 within 1/255 per pixel with a fixed z; a fixed seed gives the same output; the CLI
// refuses missing keypoints, keypoints of another image size, and checkpoints of the other family.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include "io/image.h"
#include "io/iuv.h"
#include "io/keypoints.h"
#include "io/safetensors.h"
#include "models/sca/checkpoint.h"
#include "models/sca/inference.h"
#include "ops/bep2.h"
#include "tests/test_util.h"

using namespace dpt;

namespace {
using test::contains;
using test::golden;
using test::run_command;
using test::test_data_dir;
using test::tool_path;

const char* const kPhase2 = "sca/phase2_isn.safetensors";

std::string sca_weights() { return test_data_dir() + "/golden/sca/tiny_weights.safetensors"; }

// round((v - lo) * scale) of one float, checked to be a byte that the value came from exactly.
uint8_t to_byte(double v) {
  const double r = std::round(v);
  REQUIRE(r >= 0);
  REQUIRE(r <= 255);
  REQUIRE(std::fabs(v - r) < 1e-3);
  return static_cast<uint8_t>(r);
}

// P1 [3, H, W] = byte / 127.5 - 1 back to its bytes.
Image8 image_of(const Tensor& p) {
  const int64_t H = p.size(1), W = p.size(2);
  const std::vector<double> v = p.to_vector();
  Image8 img;
  img.height = static_cast<int>(H), img.width = static_cast<int>(W), img.channels = 3;
  img.pixels.resize(static_cast<size_t>(H * W * 3));
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < H * W; ++i) img.pixels[static_cast<size_t>(i * 3 + c)] = to_byte((v[c * H * W + i] + 1) * 127.5);
  return img;
}

// EP1 [1, H, W] = 1 - 2 byte / 255 back to the stored grey edge PNG.
Image8 edges_of(const Tensor& ep) {
  const int64_t H = ep.size(1), W = ep.size(2);
  const std::vector<double> v = ep.to_vector();
  Image8 img;
  img.height = static_cast<int>(H), img.width = static_cast<int>(W), img.channels = 3;
  img.pixels.resize(static_cast<size_t>(H * W * 3));
  for (int64_t i = 0; i < H * W; ++i) {
    const uint8_t b = to_byte((1 - v[i]) * 127.5);
    for (int c = 0; c < 3; ++c) img.pixels[static_cast<size_t>(i * 3 + c)] = b;
  }
  return img;
}

// The target joints from the heatmaps BP2 [18, H, W] (sigma): all-zero channel = missing; else, at the
// channel's maximum pixel (r, c) and its neighbours, log h(r+1, c) - log h(r, c) = -(2 (r - y) + 1) / (2 sigma^2)
// gives y exactly (likewise x), wherever the joint is (its tail reaches into the frame).
Keypoints joints_from_heatmaps(const Tensor& bp, double sigma) {
  const int64_t H = bp.size(1), W = bp.size(2);
  const std::vector<double> v = bp.to_vector();
  Keypoints kp = Keypoints::all_missing();
  for (int j = 0; j < kCocoJoints; ++j) {
    const double* h = &v[static_cast<size_t>(j * H * W)];
    int64_t best = 0;
    for (int64_t i = 1; i < H * W; ++i)
      if (h[i] > h[best]) best = i;
    if (h[best] <= 0) continue;
    const int64_t r = best / W, c = best % W;
    const int64_t r2 = r + 1 < H ? r + 1 : r - 1, c2 = c + 1 < W ? c + 1 : c - 1;
    auto solve = [&](int64_t a, int64_t b, double ha, double hb) {  // the centre along one axis
      const double d = std::log(hb) - std::log(ha);                  // -(2 (a - m) + (b - a)) (b - a) / (2 s^2)
      return (static_cast<double>(a + b) + 2 * sigma * sigma * d / static_cast<double>(b - a)) / 2;
    };
    kp.y[j] = static_cast<int>(std::lround(solve(r, r2, h[best], h[r2 * W + c])));
    kp.x[j] = static_cast<int>(std::lround(solve(c, c2, h[best], h[r * W + c2])));
  }
  return kp;
}

// A source joint that gives BEP2 channel j of the golden batch: the golden files keep the batch's
// source heatmaps out, and the inputs depend on the source joints only through BEP2, so any joint giving
// the same channel (bit for bit, by the engine's op) gives the same network input. Tries "missing", then
// every pixel of the frame (a usable joint outside the frame acts at its clamped position).
Keypoints source_joints_from_bep2(const Tensor& edge_u8, const Tensor& bep2_gold, const Keypoints& target,
                                  const ScaConfig& cfg) {
  const int64_t H = cfg.H, W = cfg.W;
  const Bep2Params p{cfg.sigma, static_cast<int>(cfg.bep_radius), cfg.bep_threshold};
  const Tensor kt = keypoints_to_tensor({target});
  const std::vector<float> gold = bep2_gold.to_float_vector();  // [18, H, W]
  Keypoints found = Keypoints::all_missing();
  // Row batches: W candidates (y, 0..W-1) at once.
  std::vector<float> ev = edge_u8.to_float_vector(), rep;
  for (int64_t i = 0; i < W; ++i) rep.insert(rep.end(), ev.begin(), ev.end());
  const Tensor edges = Tensor::from_vector(rep, {W, 1, H, W});
  const Tensor e1 = edge_u8.reshape({1, 1, H, W});
  for (int j = 0; j < kCocoJoints; ++j) {
    auto matches = [&](const Tensor& out, int64_t n) {  // out [N, 18, H, W]: row n's channel j == gold's
      const float* o = out.data<float>() + (n * kCocoJoints + j) * H * W;
      for (int64_t i = 0; i < H * W; ++i)
        if (o[i] != gold[static_cast<size_t>(j * H * W + i)]) return false;
      return true;
    };
    if (matches(bep2(e1, keypoints_to_tensor({Keypoints::all_missing()}), kt, p), 0)) continue;
    bool ok = false;
    for (int64_t y = 0; y < H && !ok; ++y) {
      std::vector<Keypoints> cands(static_cast<size_t>(W), Keypoints::all_missing());
      for (int64_t x = 0; x < W; ++x) cands[static_cast<size_t>(x)].y[j] = static_cast<int>(y), cands[static_cast<size_t>(x)].x[j] = static_cast<int>(x);
      std::vector<Keypoints> tgts(static_cast<size_t>(W), target);
      const Tensor out = bep2(edges, keypoints_to_tensor(cands), keypoints_to_tensor(tgts), p).contiguous();
      for (int64_t x = 0; x < W && !ok; ++x)
        if (matches(out, x)) found.y[j] = static_cast<int>(y), found.x[j] = static_cast<int>(x), ok = true;
    }
    REQUIRE_MESSAGE(ok, "no source joint reproduces BEP2 channel " << j);
  }
  return found;
}

void write_z(const std::string& path, const Tensor& z_row) {  // z [z_dim]
  write_safetensors(path, {{"z", z_row.contiguous()}});
}

std::string quote(const std::string& s) { return "'" + s + "'"; }
}  // namespace

TEST_CASE("sca_infer/golden: the reference's tiny checkpoint through dpt-infer gives the reference's fake_P2 (1/255)") {
  const std::string dir = test::temp_dir("sca_infer_golden");
  const ScaCheckpoint ck = read_sca_checkpoint(sca_weights());
  const ScaConfig& cfg = ck.cfg;
  const Tensor P1 = golden(kPhase2, "P1"), EP1 = golden(kPhase2, "EP1"), BP2 = golden(kPhase2, "BP2");
  const Tensor BEP2 = golden(kPhase2, "BEP2"), z = golden(kPhase2, "z"), fake = golden(kPhase2, "fake_P2");
  REQUIRE(P1.size(2) == cfg.H);
  REQUIRE(P1.size(3) == cfg.W);
  std::vector<std::string> names;
  std::vector<Keypoints> points;
  for (int64_t n = 0; n < P1.size(0); ++n) {
    const std::string s = "src" + std::to_string(n), t = "tgt" + std::to_string(n);
    write_png(dir + "/" + s + ".png", image_of(P1.select(0, n)));
    const Image8 e = edges_of(EP1.select(0, n));
    write_png(dir + "/" + s + "_edges.png", e);
    std::vector<float> eb(e.pixels.size() / 3);
    for (size_t i = 0; i < eb.size(); ++i) eb[i] = e.pixels[i * 3];
    const Keypoints kt = joints_from_heatmaps(BP2.select(0, n), cfg.sigma);
    const Keypoints ks =
        source_joints_from_bep2(Tensor::from_vector(eb, {1, cfg.H, cfg.W}), BEP2.select(0, n).to(DType::F32), kt, cfg);
    names.push_back(s), points.push_back(ks);
    names.push_back(t), points.push_back(kt);
    write_z(dir + "/z" + std::to_string(n) + ".safetensors", z.select(0, n).to(DType::F32));
  }
  write_keypoints_csv(dir + "/kp.csv", names, points);
  for (int64_t n = 0; n < P1.size(0); ++n) {
    const std::string k = std::to_string(n), out = dir + "/out" + k + ".png";
    const auto r = run_command(tool_path("dpt-infer") + " --checkpoint " + quote(sca_weights()) + " --source " + dir +
                               "/src" + k + ".png --source-edges " + dir + "/src" + k + "_edges.png --keypoints " + dir +
                               "/kp.csv --target-name tgt" + k + " --z " + dir + "/z" + k + ".safetensors --out " + out);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    const Image8 img = read_image(out);
    const std::vector<double> g = fake.select(0, n).to_vector();
    const int64_t HW = cfg.H * cfg.W;
    int worst = 0;
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t i = 0; i < HW; ++i) {
        const double want = std::min(255.0, std::max(0.0, std::round((g[c * HW + i] + 1) * 127.5)));
        worst = std::max(worst, static_cast<int>(std::fabs(img.pixels[static_cast<size_t>(i * 3 + c)] - want)));
      }
    CHECK_MESSAGE(worst <= 1, "pair " << n << ": worst pixel differs by " << worst << "/255");
  }
}

TEST_CASE("sca_infer/seed: a fixed seed gives the same output, another seed another, --z zero the mean") {
  const std::string dir = test::temp_dir("sca_infer_seed");
  const ScaCheckpoint ck = read_sca_checkpoint(sca_weights());
  const Tensor P1 = golden(kPhase2, "P1");
  write_png(dir + "/a.png", image_of(P1.select(0, 0)));
  Keypoints k = Keypoints::all_missing();
  for (int j = 0; j < kCocoJoints; ++j) k.y[j] = 5 + 3 * j, k.x[j] = 10 + j;
  write_keypoints_csv(dir + "/kp.csv", {"a.png", "b"}, {k, k});
  const std::string base = tool_path("dpt-infer") + " --model sca --checkpoint " + quote(sca_weights()) + " --source " +
                           dir + "/a.png --keypoints " + dir + "/kp.csv --target-name b --out ";
  auto run = [&](const std::string& out, const std::string& extra) {
    const auto r = run_command(base + dir + "/" + out + " " + extra);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    return read_image(dir + "/" + out).pixels;
  };
  const auto s1 = run("s1.png", "--seed 7"), s2 = run("s2.png", "--seed 7"), s3 = run("s3.png", "--seed 8");
  const auto z0 = run("z0.png", "--z zero --save-intermediates " + dir + "/inter");
  CHECK(s1 == s2);
  CHECK(s1 != s3);
  CHECK(z0 != s1);
  for (const char* f : {"source_edges", "generated_target_edges", "target_heatmaps", "bep2", "fake_P2"})
    CHECK_MESSAGE(read_image(dir + "/inter/" + f + ".png").width == ck.cfg.W, f);
}

TEST_CASE("sca_infer/errors: missing keypoints, keypoints of another size, checkpoints of the other family") {
  const std::string dir = test::temp_dir("sca_infer_errors");
  const Tensor P1 = golden(kPhase2, "P1");
  write_png(dir + "/a.png", image_of(P1.select(0, 0)));
  Keypoints k = Keypoints::all_missing(), big = Keypoints::all_missing();
  for (int j = 0; j < kCocoJoints; ++j) k.y[j] = 5 + 3 * j, k.x[j] = 10 + j;
  for (int j = 0; j < kCocoJoints; ++j) big.y[j] = 40 + 10 * j, big.x[j] = 60 + 5 * j;  // a 256x176 person
  write_keypoints_csv(dir + "/kp.csv", {"a", "b", "big"}, {k, k, big});
  const std::string infer = tool_path("dpt-infer") + " --checkpoint ";
  const std::string sca = quote(sca_weights()), dpt_ck = quote(test_data_dir() + "/golden/tiny_weights.safetensors");
  const std::string src = " --source " + dir + "/a.png --out " + dir + "/o.png";

  // No --keypoints: a usage error (exit 2) naming the option.
  auto r = run_command(infer + sca + src + " --target-name b");
  CHECK(r.code == 2);
  CHECK_MESSAGE(contains(r.err, "--keypoints"), r.err);
  // A target (or source) name the CSV does not hold.
  r = run_command(infer + sca + src + " --keypoints " + dir + "/kp.csv --target-name nobody");
  CHECK(r.code == 1);
  CHECK_MESSAGE(contains(r.err, "no keypoints for 'nobody'"), r.err);
  r = run_command(infer + sca + src + " --keypoints " + dir + "/kp.csv --source-name ghost --target-name b");
  CHECK(r.code == 1);
  CHECK_MESSAGE(contains(r.err, "no keypoints for 'ghost'"), r.err);
  // Keypoints of a bigger image.
  r = run_command(infer + sca + src + " --keypoints " + dir + "/kp.csv --target-name big");
  CHECK(r.code == 1);
  CHECK_MESSAGE(contains(r.err, "another image size"), r.err);
  CHECK_MESSAGE(contains(r.err, "64x48"), r.err);
  // An SCA-GAN checkpoint given to the DPT path, and the reverse.
  Tensor iuv = Tensor::zeros({3, 64, 48});
  for (int64_t i = 0; i < 64 * 48; ++i)
    if (i % 48 > 12 && i % 48 < 36) iuv.data<float>()[i] = 2, iuv.data<float>()[64 * 48 + i] = 0.5f;
  write_iuv(dir + "/iuv.png", iuv);
  r = run_command(infer + sca + " --model dpt --source " + dir + "/a.png --source-iuv " + dir + "/iuv.png --target-iuv " +
                  dir + "/iuv.png --out " + dir + "/o.png");
  CHECK(r.code == 1);
  CHECK_MESSAGE(contains(r.err, "sca"), r.err);
  CHECK_MESSAGE(contains(r.err, "dpt"), r.err);
  r = run_command(infer + dpt_ck + " --model sca" + src + " --keypoints " + dir + "/kp.csv --target-name b");
  CHECK(r.code == 1);
  CHECK_MESSAGE(contains(r.err, "not an SCA-GAN checkpoint"), r.err);
  CHECK_MESSAGE(contains(r.err, "Dense Pose Transfer"), r.err);
  // SCA-GAN options on a DPT checkpoint (picked from its metadata) are refused by name.
  r = run_command(infer + dpt_ck + src + " --keypoints " + dir + "/kp.csv");
  CHECK(r.code == 2);
  CHECK_MESSAGE(contains(r.err, "--keypoints is an SCA-GAN option"), r.err);
}
