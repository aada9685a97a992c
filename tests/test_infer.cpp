// Inference helpers and the dpt-infer tool on small generated inputs: texture tools (splat, render, also
// at a tile size that is not a power of two), a checkpoint round trip through the binary, batch mode and
// the error messages users see.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/autograd.h"
#include "core/rng.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/iuv.h"
#include "io/safetensors.h"
#include "models/dpt/checkpoint.h"
#include "models/dpt/inference.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

// A synthetic IUV map [3, H, W]: a box split into 6 x 4 cells, cell (r, c) = part 1 + (r*4 + c + shift) % 24,
// U, V ramps inside each cell stored as bytes/255 (as a PNG holds them).
Tensor make_iuv(int64_t H, int64_t W, int shift) {
  Tensor t = Tensor::zeros({3, H, W});
  float* p = t.data<float>();
  const int64_t y0 = H / 8, y1 = H - H / 8, x0 = W / 6, x1 = W - W / 6;
  for (int64_t y = y0; y < y1; ++y)
    for (int64_t x = x0; x < x1; ++x) {
      const double fy = double(y - y0) / (y1 - y0) * 6, fx = double(x - x0) / (x1 - x0) * 4;
      const int r = static_cast<int>(fy), c = static_cast<int>(fx);
      p[y * W + x] = static_cast<float>(1 + (r * 4 + c + shift) % 24);
      p[H * W + y * W + x] = static_cast<float>(std::floor((fx - c) * 255) / 255);
      p[2 * H * W + y * W + x] = static_cast<float>(std::floor((1 - (fy - r)) * 255) / 255);
    }
  return t;
}

// An atlas [1, 3, 6S, 4S] with one constant colour per tile: part p0 gets (p0/23*2-1, 1-p0/23*2, 0.5).
Tensor tile_colour_atlas(int64_t S) {
  Tensor a = Tensor::empty({1, 3, 6 * S, 4 * S});
  float* p = a.data<float>();
  for (int64_t y = 0; y < 6 * S; ++y)
    for (int64_t x = 0; x < 4 * S; ++x) {
      const int64_t p0 = (x / S) * 6 + y / S;
      p[y * 4 * S + x] = static_cast<float>(p0 / 23.0 * 2 - 1);
      p[24 * S * S + y * 4 * S + x] = static_cast<float>(1 - p0 / 23.0 * 2);
      p[48 * S * S + y * 4 * S + x] = 0.5f;
    }
  return a;
}

// Bytes of a PNG written by the tool.
Image8 read_back(const std::string& path) {
  REQUIRE_MESSAGE(file_exists(path), path << " was not written");
  return read_image(path);
}

}  // namespace

TEST_CASE("infer/render_atlas/tile_colours_any_tile_size") {
  // Inside a tile, (u, v) in [0, 1] stays inside the tile (column u (S-1)), so a per-tile constant atlas
  // renders each foreground pixel exactly in its part's colour; background is white. S = 25 and 200 are
  // not powers of two (200 is DensePose's texture_from_SURREAL.png: 1200 x 800).
  for (int64_t S : {8, 25, 200}) {
    CAPTURE(S);
    Tensor atlas = tile_colour_atlas(S);
    Tensor iuv = make_iuv(40, 36, 5).unsqueeze(0);
    Tensor y = render_atlas(atlas, iuv);
    std::vector<double> yv = y.to_vector(), iv = iuv.to_vector();
    const int64_t P = 40 * 36;
    double worst = 0;
    bool bg_white = true;
    for (int64_t i = 0; i < P; ++i) {
      if (iv[i] == 0) {
        bg_white = bg_white && yv[i] == 1 && yv[P + i] == 1 && yv[2 * P + i] == 1;
        continue;
      }
      const double p0 = iv[i] - 1;
      worst = std::max({worst, std::fabs(yv[i] - (p0 / 23 * 2 - 1)), std::fabs(yv[P + i] - (1 - p0 / 23 * 2)),
                        std::fabs(yv[2 * P + i] - 0.5)});
    }
    CHECK(bg_white);
    CHECK(worst < 1e-5);
  }
}

TEST_CASE("infer/splat_atlas/observed_texels_and_black") {
  Image8 img = random_image(40, 36, 3);
  Tensor x = image_to_tensor(img).unsqueeze(0);
  Tensor iuv = make_iuv(40, 36, 0).unsqueeze(0);
  for (int64_t S : {16, 30}) {
    Tensor atlas = splat_atlas(x, iuv, S);
    CHECK(atlas.shape() == Shape{1, 3, 6 * S, 4 * S});
    std::vector<double> a = atlas.to_vector();
    int64_t black = 0, observed = 0;
    for (int64_t i = 0; i < 24 * S * S; ++i) {
      bool b = a[i] == -1 && a[24 * S * S + i] == -1 && a[48 * S * S + i] == -1;
      black += b;
      observed += !b;
    }
    CHECK(black > 0);
    CHECK(observed > 0);
    // Splatted colours are weighted averages of pixels: inside [-1, 1].
    CHECK(*std::min_element(a.begin(), a.end()) >= -1 - 1e-6);
    CHECK(*std::max_element(a.begin(), a.end()) <= 1 + 1e-6);
  }
  // Splatting a constant image gives that constant on every observed texel.
  Tensor grey = Tensor::full({1, 3, 40, 36}, 0.25);
  double worst = 0;
  for (double v : splat_atlas(grey, iuv, 16).to_vector())
    if (v != -1) worst = std::max(worst, std::fabs(v - 0.25));
  CHECK(worst < 1e-5);
}

TEST_CASE("infer/atlas_from_image/size_check") {
  CHECK_NOTHROW(atlas_from_image(random_image(1200, 800, 1), "surreal.png"));
  std::string e;
  try {
    atlas_from_image(random_image(100, 80, 1), "bad.png");
  } catch (const Error& err) {
    e = err.what();
  }
  CHECK(contains(e, "bad.png"));
  CHECK(contains(e, "6S x 4S"));
}

TEST_CASE("infer/load_transfer_inputs/errors") {
  const std::string d = temp_dir("infer_inputs");
  write_png(d + "/img.png", random_image(32, 32, 4));
  write_iuv(d + "/iuv.png", make_iuv(32, 32, 0));
  write_iuv(d + "/iuv_big.png", make_iuv(48, 32, 0));
  auto err = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_NOTHROW(load_transfer_inputs(d + "/img.png", d + "/iuv.png", d + "/iuv.png"));
  std::string e = err([&] { load_transfer_inputs(d + "/img.png", d + "/iuv.png", d + "/iuv_big.png"); });
  CHECK(contains(e, "iuv_big.png"));
  CHECK(contains(e, "48x32"));
  e = err([&] { load_transfer_inputs(d + "/img.png", d + "/iuv_big.png", d + "/iuv.png"); });
  CHECK(contains(e, "iuv_big.png"));
  e = err([&] { load_transfer_inputs(d + "/img.png", d + "/img.png", d + "/iuv.png"); });
  CHECK(contains(e, "not a DensePose IUV map"));
}

TEST_CASE("infer/dpt_infer_tool") {
  const std::string bin = tool_path("dpt-infer");
  const std::string d = temp_dir("infer_tool");
  // A random tiny model as a checkpoint, and generated inputs.
  Generator gen(42);
  DensePoseTransfer model(tiny_dpt_config(), gen);
  save_checkpoint(d + "/model.safetensors", model);
  Image8 src = random_image(32, 32, 5);
  write_png(d + "/src.png", src);
  write_iuv(d + "/src_iuv.png", make_iuv(32, 32, 0));
  write_iuv(d + "/tgt_iuv.png", make_iuv(32, 32, 7));
  const std::string common = " --source " + d + "/src.png --source-iuv " + d + "/src_iuv.png --target-iuv " + d +
                             "/tgt_iuv.png";

  SUBCASE("single pair matches the library, intermediates written") {
    CommandResult r = run_command(bin + " --checkpoint " + d + "/model.safetensors" + common + " --out " + d +
                                  "/out.png --threads 1 --save-intermediates " + d + "/inter");
    REQUIRE_MESSAGE(r.code == 0, r.err);
    Image8 out = read_back(d + "/out.png");
    TransferInputs in = load_transfer_inputs(d + "/src.png", d + "/src_iuv.png", d + "/tgt_iuv.png");
    Image8 expect = tensor_to_image(run_transfer(model, in).y_hat);
    CHECK(out.height == 32);
    CHECK(out.width == 32);
    int64_t differ = 0;
    for (size_t i = 0; i < out.pixels.size(); ++i) differ += std::abs(int(out.pixels[i]) - int(expect.pixels[i])) > 1;
    CHECK(differ == 0);
    for (const char* f : {"y_p", "y_w", "r", "atlas_source", "atlas_inpainted", "atlas_full", "y_hat"}) {
      Image8 im = read_back(d + "/inter/" + f + ".png");
      bool atlas = std::string(f).rfind("atlas", 0) == 0;
      CHECK(im.height == (atlas ? 48 : 32));
    }
  }
  SUBCASE("batch mode over a pairs CSV") {
    const std::string root = d + "/data";
    REQUIRE(std::system(("mkdir -p " + root + "/test " + root + "/test_iuv").c_str()) == 0);
    const char* names[] = {"a", "b", "c"};
    for (int k = 0; k < 3; ++k) {
      write_png(root + "/test/" + names[k] + ".png", random_image(32, 32, 10 + k));
      write_iuv(root + "/test_iuv/" + names[k] + ".png", make_iuv(32, 32, 3 * k));
    }
    {
      std::ofstream f(root + "/pairs-test.csv");
      f << "from,to\na.jpg,b.jpg\nb,c\nc.png,a\n";  // names with and without extensions
    }
    CommandResult r = run_command(bin + " --checkpoint " + d + "/model.safetensors --root " + root +
                                  " --split test --out-dir " + d + "/batch");
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(contains(r.err, "] 3/3 c___a |"));  // the last progress line (core/progress.h)
    for (const char* n : {"a___b", "b___c", "c___a"}) CHECK(read_back(d + "/batch/" + n + ".png").width == 32);
  }
  SUBCASE("texture tools") {
    CommandResult r = run_command(bin + " --source " + d + "/src.png --source-iuv " + d + "/src_iuv.png --save-atlas " +
                                  d + "/atlas.png --tile-size 20");
    REQUIRE_MESSAGE(r.code == 0, r.err);
    Image8 atlas = read_back(d + "/atlas.png");
    CHECK(atlas.height == 120);
    CHECK(atlas.width == 80);
    r = run_command(bin + " --atlas " + d + "/atlas.png --target-iuv " + d + "/tgt_iuv.png --out " + d + "/render.png");
    REQUIRE_MESSAGE(r.code == 0, r.err);
    Image8 render = read_back(d + "/render.png");
    CHECK(render.height == 32);
    CHECK(render.pixels[0] == 255);  // pixel (0, 0) is background: white
  }
  SUBCASE("errors users see") {
    // A checkpoint without a parameter, and one with a wrong shape: both named.
    std::vector<std::pair<std::string, Tensor>> ts;
    for (auto& p : model.named_parameters())
      if (p.first != "inpaint.fuse2.bias")
        ts.emplace_back(p.first, p.first == "blend.out.weight" ? Tensor::zeros({3, 4, 1, 1}) : p.second.detach());
    write_safetensors(d + "/broken.safetensors", ts, {{"dpt_config", model.cfg.to_json()}});
    CommandResult r =
        run_command(bin + " --checkpoint " + d + "/broken.safetensors" + common + " --out " + d + "/o.png");
    CHECK(r.code == 1);
    CHECK(contains(r.err, "inpaint.fuse2.bias"));
    CHECK(contains(r.err, "blend.out.weight (expected [3, 4, 3, 3], got [3, 4, 1, 1])"));
    // A generator-only checkpoint (no disc.*) is enough for inference.
    std::vector<std::pair<std::string, Tensor>> gen_only;
    for (auto& p : model.named_generator_parameters()) gen_only.emplace_back(p.first, p.second.detach());
    write_safetensors(d + "/gen.safetensors", gen_only, {{"dpt_config", model.cfg.to_json()}});
    r = run_command(bin + " --checkpoint " + d + "/gen.safetensors" + common + " --out " + d + "/o.png");
    CHECK_MESSAGE(r.code == 0, r.err);
    // Non-DensePose IUV, size mismatch, unknown option.
    r = run_command(bin + " --checkpoint " + d + "/model.safetensors --source " + d + "/src.png --source-iuv " + d +
                    "/src.png --target-iuv " + d + "/tgt_iuv.png --out " + d + "/o.png");
    CHECK(r.code == 1);
    CHECK(contains(r.err, "not a DensePose IUV map"));
    write_iuv(d + "/small_iuv.png", make_iuv(24, 32, 0));
    r = run_command(bin + " --checkpoint " + d + "/model.safetensors --source " + d + "/src.png --source-iuv " + d +
                    "/src_iuv.png --target-iuv " + d + "/small_iuv.png --out " + d + "/o.png");
    CHECK(r.code == 1);
    CHECK(contains(r.err, "size mismatch"));
    r = run_command(bin + " --frobnicate 3");
    CHECK(r.code == 2);  // a usage error (tools/common/cli.h Note [exit codes])
    CHECK(contains(r.err, "unknown option '--frobnicate'"));
    r = run_command(bin + " --help > /dev/null");
    CHECK(r.code == 0);
  }
}

// The reference's own checkpoint (tiny_weights.safetensors, written by PyTorch) through the binary on the
// golden blending inputs: the output PNG is the reference's y_hat, up to the 8-bit rounding.
TEST_CASE("infer/dpt_infer_tool/reference_checkpoint_matches_reference_output") {
  const std::string bin = tool_path("dpt-infer");
  const std::string d = temp_dir("infer_reference");
  const std::string stage = "stage_blending.safetensors";
  for (int64_t n = 0; n < 2; ++n) {
    Tensor x_s = golden(stage, "x_s").select(0, n).contiguous();
    // The golden source image is bytes / 127.5 - 1, so the PNG holds it exactly.
    Image8 src = tensor_to_image(x_s);
    expect_close(image_to_tensor(src), x_s, 1e-6, 0, "golden x_s as 8-bit");
    write_png(d + "/src.png", src);
    write_iuv(d + "/src_iuv.png", golden(stage, "iuv_s").select(0, n).contiguous());
    write_iuv(d + "/tgt_iuv.png", golden(stage, "iuv_t").select(0, n).contiguous());
    CommandResult r =
        run_command(bin + " --checkpoint " + test_data_dir() + "/golden/tiny_weights.safetensors --source " + d +
                    "/src.png --source-iuv " + d + "/src_iuv.png --target-iuv " + d + "/tgt_iuv.png --out " + d +
                    "/out.png --threads 1");
    REQUIRE_MESSAGE(r.code == 0, r.err);
    Image8 out = read_back(d + "/out.png");
    Image8 expect = tensor_to_image(golden(stage, "y_hat").select(0, n).contiguous());
    REQUIRE(out.pixels.size() == expect.pixels.size());
    int64_t differ = 0;
    for (size_t i = 0; i < out.pixels.size(); ++i) differ += std::abs(int(out.pixels[i]) - int(expect.pixels[i])) > 1;
    CHECK_MESSAGE(differ == 0, "pair " << n << ": " << differ << " bytes differ from the reference by more than 1");
  }
}
