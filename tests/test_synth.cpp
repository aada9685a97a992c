// Tests of the synthetic DensePose world (synth/): determinism across runs and thread counts, the IUV
// file round trip, image = atlas lookup at the pixel's IUV, the part convention, and splat -> sample PSNR.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/image.h"
#include "io/iuv.h"
#include "ops/atlas.h"
#include "ops/grid_sample.h"
#include "ops/uv_splat.h"
#include "synth/dataset.h"
#include "synth/parts.h"
#include "synth/pose.h"
#include "synth/texture.h"
#include "tests/test_util.h"

namespace dpt {
namespace {

using namespace dpt::synth;

using test::scratch_dir;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

DatasetOptions small_options(int H, int W, int S) {
  DatasetOptions o;
  o.persons = 3;
  o.views = 3;
  o.render.height = H;
  o.render.width = W;
  o.render.tile = S;
  o.seed = 7;
  return o;
}

TEST_CASE("synth/render is deterministic") {
  DatasetOptions o = small_options(64, 48, 16);
  o.hair_skirt = 0.5f;
  o.render.seam_noise = 0.5f;
  const PersonViews a = render_person(o, 1), b = render_person(o, 1);
  CHECK(a.atlas.pixels == b.atlas.pixels);
  for (int v = 0; v < o.views; ++v) {
    CHECK(a.frames[v].rgb == b.frames[v].rgb);
    CHECK(a.frames[v].iuv == b.frames[v].iuv);
  }
  const PersonViews c = render_person(o, 2);
  CHECK(c.frames[0].rgb != a.frames[0].rgb);  // a different person
}

TEST_CASE("synth/dataset files are byte-identical for any thread count") {
  DatasetOptions o = small_options(40, 32, 8);
  o.persons = 5;
  o.test_persons = 2;
  o.hair_skirt = 1;
  const std::string d1 = scratch_dir() + "/threads1", d3 = scratch_dir() + "/threads3";
  o.out = d1;
  o.threads = 1;
  write_dataset(o);
  o.out = d3;
  o.threads = 3;
  const DatasetStats st = write_dataset(o);
  CHECK(st.images == 15);
  CHECK(st.train_persons == 3);
  CHECK(st.test_persons == 2);
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(d1)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = std::filesystem::relative(e.path(), d1).string();
    CHECK_MESSAGE(slurp(e.path().string()) == slurp(d3 + "/" + rel), rel);
    ++files;
  }
  CHECK(files == 15 * 2 + 5 + 6);  // images, IUV maps, atlases, 3 CSVs per split (pairs, persons, keypoints)
  // Section 7 layout and the indexes.
  CHECK(std::filesystem::exists(d1 + "/test/p0004_v02.png"));
  CHECK(std::filesystem::exists(d1 + "/train_iuv/p0000_v00.png"));
  CHECK(slurp(d1 + "/persons-test.csv") ==
        "name,person\np0003_v00,p0003\np0003_v01,p0003\np0003_v02,p0003\n"
        "p0004_v00,p0004\np0004_v01,p0004\np0004_v02,p0004\n");
  const std::string pairs = slurp(d1 + "/pairs-train.csv");
  CHECK(pairs.rfind("from,to\np0000_v00,p0000_v01\n", 0) == 0);
  CHECK(std::count(pairs.begin(), pairs.end(), '\n') == 1 + 3 * 6);  // K(K-1) ordered pairs per person
  const Image8 atlas = read_image(d1 + "/atlas/p0002.png");
  CHECK(atlas.height == 6 * 8);
  CHECK(atlas.width == 4 * 8);
}

TEST_CASE("synth/the IUV PNG decodes to the rendered I, U, V") {
  DatasetOptions o = small_options(64, 48, 16);
  o.render.seam_noise = 0.3f;
  const PersonViews pv = render_person(o, 0);
  const Frame& f = pv.frames[1];
  const std::string path = scratch_dir() + "/iuv_roundtrip.png";
  write_png(path, iuv_image(f));
  const Tensor iuv = read_iuv(path, IUVOrder::BGR);
  REQUIRE(iuv.shape() == Shape({3, 64, 48}));
  const std::vector<float> v = iuv.contiguous().to_float_vector();
  const size_t HW = 64 * 48;
  int mismatches = 0, fg = 0;
  for (size_t k = 0; k < HW; ++k) {
    fg += f.iuv[3 * k] > 0;
    mismatches += v[k] != static_cast<float>(f.iuv[3 * k]);
    mismatches += v[HW + k] != static_cast<float>(f.iuv[3 * k + 1] / 255.0);
    mismatches += v[2 * HW + k] != static_cast<float>(f.iuv[3 * k + 2] / 255.0);
  }
  CHECK(mismatches == 0);
  CHECK(fg > 200);
}

TEST_CASE("synth/foreground pixels are atlas lookups at their IUV") {
  for (float shading : {0.0f, 0.25f}) {
    DatasetOptions o = small_options(96, 64, 32);
    o.views = 4;
    o.render.shading = shading;
    for (int id = 0; id < o.persons; ++id) {
      const PersonViews pv = render_person(o, id);
      for (const Frame& f : pv.frames) {
        int fg = 0, bad = 0;
        for (size_t k = 0; k < f.iuv.size() / 3; ++k) {
          const int I = f.iuv[3 * k];
          bad += I > kPartCount;
          if (I == 0) {
            bad += (f.iuv[3 * k + 1] | f.iuv[3 * k + 2]) != 0;
            const Rgb bg = pv.person.look.background * 255.0f;  // plain background
            const int want[3] = {static_cast<int>(bg.x + 0.5f), static_cast<int>(bg.y + 0.5f), static_cast<int>(bg.z + 0.5f)};
            for (int ch = 0; ch < 3; ++ch) bad += f.rgb[3 * k + ch] != want[ch];
            continue;
          }
          ++fg;
          float c[3];
          atlas_sample(pv.atlas, o.render.tile, I, f.iuv[3 * k + 1] / 255.0f, f.iuv[3 * k + 2] / 255.0f, c);
          for (int ch = 0; ch < 3; ++ch) {
            const float px = f.rgb[3 * k + ch];
            // shade in [1 - shading, 1]; +-1 for rounding to bytes.
            if (px > c[ch] + 1.0f || px < c[ch] * (1 - shading) - 1.0f) ++bad;
          }
        }
        CHECK(bad == 0);
        CHECK(fg > 300);
      }
    }
  }
}

// Counts pixels per part in one rendered view of person 0 with a pose of the given kind and yaw.
struct PartStats {
  std::vector<int> count = std::vector<int>(kPartCount + 1, 0);
  std::vector<double> mean_col = std::vector<double>(kPartCount + 1, 0);
  Frame frame;
  // Covariance sign of the U (or V) byte with the image column (or row) over part p's pixels.
  double cov(int p, int channel, bool by_row) const {
    double n = 0, sx = 0, sy = 0, sxy = 0;
    for (int r = 0; r < frame.height; ++r)
      for (int c = 0; c < frame.width; ++c) {
        const uint8_t* px = &frame.iuv[(static_cast<size_t>(r) * frame.width + c) * 3];
        if (px[0] != p) continue;
        const double x = by_row ? r : c, y = px[channel];
        n += 1, sx += x, sy += y, sxy += x * y;
      }
    return n > 0 ? sxy / n - (sx / n) * (sy / n) : 0;
  }
};
PartStats part_stats(ViewKind kind, float yaw) {
  DatasetOptions o = small_options(128, 96, 16);
  const Person person = make_person(o.seed, 0, 0);
  const Image8 atlas = make_atlas(person.look, 16);
  Pose pose;  // a neutral standing pose: arms slightly out, legs straight
  pose.kind = kind;
  pose.yaw = yaw;
  for (int s = 0; s < 2; ++s) pose.arm[s].abduct = 0.4f;
  const Frame f = render_view(person, atlas, pose, o.render, 1);
  PartStats st;
  st.frame = f;
  for (int r = 0; r < f.height; ++r)
    for (int c = 0; c < f.width; ++c) {
      const int I = f.iuv[(static_cast<size_t>(r) * f.width + c) * 3];
      st.count[I]++;
      st.mean_col[I] += c;
    }
  for (int p = 0; p <= kPartCount; ++p)
    if (st.count[p]) st.mean_col[p] /= st.count[p];
  return st;
}

TEST_CASE("synth/part convention: front, back and the person's own left and right") {
  const PartStats front = part_stats(ViewKind::Front, 0);
  CHECK(front.count[kTorsoFront] > 100);
  CHECK(front.count[kTorsoBack] == 0);
  CHECK(front.count[kUpperLegLFront] > 0);
  CHECK(front.count[kUpperLegLBack] == 0);
  // Facing the camera, the person's left is on the image's right.
  CHECK(front.mean_col[kHandL] > front.mean_col[kHandR]);
  CHECK(front.mean_col[kHeadL] > front.mean_col[kHeadR]);
  CHECK(front.mean_col[kUpperArmLInner] > front.mean_col[kTorsoFront]);
  // Charts (Note [Synth part convention]): u grows left to right as seen, v grows upward.
  for (int p : {kTorsoFront, kUpperLegLFront, kLowerLegRFront}) {
    CHECK(front.cov(p, 1, false) > 0);
    CHECK(front.cov(p, 2, true) < 0);
  }

  const PartStats back = part_stats(ViewKind::Back, 3.14159265f);
  CHECK(back.count[kTorsoBack] > 100);
  CHECK(back.count[kTorsoFront] == 0);
  CHECK(back.count[kLowerLegRFront] == 0);
  CHECK(back.mean_col[kHandL] < back.mean_col[kHandR]);
  for (int p : {kTorsoBack, kUpperLegLBack}) {
    CHECK(back.cov(p, 1, false) > 0);
    CHECK(back.cov(p, 2, true) < 0);
  }
  // yaw +pi/2 shows the left side, face toward the image's left; there u (0 at the face) grows rightward.
  const PartStats left = part_stats(ViewKind::Side, 1.5707963f);
  CHECK(left.count[kHeadL] > left.count[kHeadR]);
  CHECK(left.cov(kHeadL, 1, false) > 0);
  // Arms hanging at the sides: from the back we see their outer halves.
  CHECK(back.count[kUpperArmLOuter] > back.count[kUpperArmLInner]);
}

TEST_CASE("synth/seam noise changes only the IUV, near part boundaries") {
  DatasetOptions o = small_options(96, 64, 16);
  const PersonViews clean = render_person(o, 0);
  o.render.seam_noise = 1;
  const PersonViews noisy = render_person(o, 0);
  const Frame &a = clean.frames[0], &b = noisy.frames[0];
  CHECK(a.rgb == b.rgb);
  CHECK(a.iuv != b.iuv);
  const int H = a.height, W = a.width, R = 3;
  int changed = 0, far_from_seam = 0;
  for (int r = 0; r < H; ++r)
    for (int c = 0; c < W; ++c) {
      const size_t k = (static_cast<size_t>(r) * W + c) * 3;
      if (a.iuv[k] == b.iuv[k] && std::abs(a.iuv[k + 1] - b.iuv[k + 1]) <= 7 && std::abs(a.iuv[k + 2] - b.iuv[k + 2]) <= 7)
        continue;
      ++changed;
      bool seam = false;  // a label change within R of a relabelled pixel
      for (int dr = -R; dr <= R; ++dr)
        for (int dc = -R; dc <= R; ++dc) {
          const int rr = r + dr, cc = c + dc;
          if (rr >= 0 && rr < H && cc >= 0 && cc < W && a.iuv[(static_cast<size_t>(rr) * W + cc) * 3] != a.iuv[k]) seam = true;
        }
      far_from_seam += !seam;
    }
  CHECK(changed > 50);
  CHECK(far_from_seam == 0);
}

TEST_CASE("synth/loose hair and skirts are in the image but not on the body surface") {
  DatasetOptions o = small_options(128, 96, 32);
  o.hair_skirt = 1;
  o.render.shading = 0;
  int off_surface = 0;
  for (int id = 0; id < o.persons; ++id) {
    const PersonViews pv = render_person(o, id);
    CHECK((pv.person.look.loose_hair || pv.person.look.loose_skirt));
    for (const Frame& f : pv.frames)
      for (size_t k = 0; k < f.iuv.size() / 3; ++k) {
        if (f.iuv[3 * k] == 0) continue;
        float c[3];
        atlas_sample(pv.atlas, 32, f.iuv[3 * k], f.iuv[3 * k + 1] / 255.0f, f.iuv[3 * k + 2] / 255.0f, c);
        if (std::fabs(f.rgb[3 * k] - c[0]) > 1.5f) ++off_surface;  // hair / skirt over the labelled body
      }
  }
  CHECK(off_surface > 100);
}

TEST_CASE("synth/the ground-truth atlas warped by the IUV (grid_sample) is the image") {
  DatasetOptions o = small_options(96, 64, 32);
  o.render.shading = 0;  // without shading the image is exactly the atlas lookup
  const PersonViews pv = render_person(o, 2);
  const Tensor atlas = image_to_tensor(pv.atlas).unsqueeze(0);  // [1, 3, 6S, 4S] in [-1, 1]
  for (const Frame& f : pv.frames) {
    const Tensor iuv = iuv_from_image(iuv_image(f), IUVOrder::BGR, "synth").unsqueeze(0);
    const UVGrid g = iuv_to_grid(iuv, o.render.tile);
    const std::vector<float> warped = grid_sample(atlas, g.grid).contiguous().to_float_vector();
    const std::vector<float> img = image_to_tensor(rgb_image(f)).contiguous().to_float_vector();
    const size_t HW = static_cast<size_t>(f.height) * f.width;
    double worst = 0;
    for (size_t k = 0; k < HW; ++k)
      if (f.iuv[3 * k] > 0)
        for (int ch = 0; ch < 3; ++ch) worst = std::max(worst, std::fabs(double(warped[ch * HW + k]) - img[ch * HW + k]) * 127.5);
    CHECK(worst <= 0.51);  // the image byte is the lookup rounded to the nearest byte
  }
}

// Splat each view into UV space with its own IUV and sample it back (docs/dpt.md section 3):
// every foreground pixel's colour is rebuilt from the texels it wrote. PSNR over foreground pixels.
double splat_sample_psnr(const DatasetOptions& o, int persons) {
  double se = 0;
  int64_t n = 0;
  for (int id = 0; id < persons; ++id) {
    const PersonViews pv = render_person(o, id);
    for (const Frame& f : pv.frames) {
      const Tensor img = image_to_tensor(rgb_image(f)).unsqueeze(0);               // [1, 3, H, W] in [-1, 1]
      const Tensor iuv = iuv_from_image(iuv_image(f), IUVOrder::BGR, "synth").unsqueeze(0);  // [1, 3, H, W]
      const UVGrid g = iuv_to_grid(iuv, o.render.tile);
      const Splat s = uv_splat(img, g.grid, g.fg, o.render.tile);
      const Texture t = splat_normalise(s.acc, s.w);
      const Tensor back = grid_sample(t.tex, g.grid);                              // [1, 3, H, W]
      const std::vector<float> x = img.contiguous().to_float_vector(), y = back.contiguous().to_float_vector();
      const size_t HW = static_cast<size_t>(f.height) * f.width;
      for (size_t k = 0; k < HW; ++k) {
        if (f.iuv[3 * k] == 0) continue;
        for (int ch = 0; ch < 3; ++ch) {
          const double d = (x[ch * HW + k] - y[ch * HW + k]) * 127.5;  // byte units
          se += d * d;
          ++n;
        }
      }
    }
  }
  return 10 * std::log10(255.0 * 255.0 / (se / static_cast<double>(n)));
}

TEST_CASE("synth/splat then sample back reconstructs the visible pixels") {
  DatasetOptions o = small_options(128, 128, 64);
  o.views = 4;
  const double psnr = splat_sample_psnr(o, 4);
  MESSAGE("splat -> sample-back PSNR at 128x128, S = 64: " << psnr << " dB");
  CHECK(psnr > 40.0);  // measured 47.8 dB; shading and 1/255 IUV steps keep it finite
}

}  // namespace
}  // namespace dpt
