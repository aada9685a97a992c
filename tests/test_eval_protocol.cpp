// Tests of dpt-eval --protocol (eval/metrics.h, Note [PATN protocol]): SSIM's data range on constant images
// (hand formula), the white padding, a white-banded case whose PATN value follows from the plain one by
// counting columns, scikit-image numbers (tests/data/eval/protocol_expected.json, make_protocol_expected.py),
// what the protocol leaves unchanged, and the command line.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "eval/evaluate.h"
#include "eval/match.h"
#include "eval/metrics.h"
#include "eval/ssim.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/iuv.h"
#include "io/json.h"
#include "test_util.h"

using namespace dpt;
using namespace dpt::eval;

namespace {

std::string eval_dir() { return test::test_data_dir() + "/eval"; }

Json read_json(const std::string& path) {
  const std::vector<uint8_t> b = read_file_bytes(path);
  return parse_json(std::string(b.begin(), b.end()), path);
}

Image8 constant_image(int h, int w, uint8_t v) {
  Image8 img;
  img.height = h;
  img.width = w;
  img.channels = 3;
  img.pixels.assign(static_cast<size_t>(h) * w * 3, v);
  return img;
}

// White (255) everywhere except columns [band, w - band), which hold noise bytes mapped into [lo, 255].
Image8 banded_image(int h, int w, int band, uint32_t seed, int lo) {
  Image8 img = constant_image(h, w, 255);
  const Image8 noise = test::random_image(h, w, seed);
  for (int y = 0; y < h; ++y)
    for (int x = band; x < w - band; ++x)
      for (int c = 0; c < 3; ++c) {
        const size_t i = (static_cast<size_t>(y) * w + x) * 3 + c;
        img.pixels[i] = static_cast<uint8_t>(lo + noise.pixels[i] * (255 - lo) / 255);
      }
  return img;
}

uint8_t min_byte(const Image8& img) { return *std::min_element(img.pixels.begin(), img.pixels.end()); }

}  // namespace

TEST_CASE("eval/protocol/data_range: constant images give (2ab + C1) / (a^2 + b^2 + C1), C1 = (0.01 L)^2") {
  // Variances are 0 everywhere (reflect borders keep a constant), so the contrast term is C2 / C2 = 1.
  const Image8 a = constant_image(20, 24, 100), b = constant_image(20, 24, 50);
  for (double L : {255.0, 200.0, 17.0}) {
    CAPTURE(L);
    const double c1 = (0.01 * L) * (0.01 * L);
    const double hand = (2 * 100.0 * 50.0 + c1) / (100.0 * 100.0 + 50.0 * 50.0 + c1);
    CHECK(ssim(a, b, nullptr, "const", L) == doctest::Approx(hand).epsilon(1e-12));
  }
  CHECK(ssim(a, b, nullptr, "const") == ssim(a, b, nullptr, "const", 255.0));  // the default is 255
  CHECK_ERROR(ssim(a, b, nullptr, "const", 0.0), "data range must be > 0", "0");
}

TEST_CASE("eval/protocol/patn_pad: 40 white columns on each side, the image unchanged in the middle") {
  const Image8 img = test::random_image(6, 5, 11);
  const Image8 p = patn_pad(img);
  REQUIRE(p.height == 6);
  REQUIRE(p.width == 5 + 80);
  REQUIRE(p.channels == 3);
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < p.width; ++x)
      for (int c = 0; c < 3; ++c) {
        const uint8_t v = p.pixels[(static_cast<size_t>(y) * p.width + x) * 3 + c];
        if (x < 40 || x >= 45)
          CHECK(v == 255);
        else
          CHECK(v == img.pixels[(static_cast<size_t>(y) * 5 + (x - 40)) * 3 + c]);
      }
  CHECK(patn_pad(constant_image(256, 176, 0)).width == 256);  // DeepFashion: 256x176 -> 256x256
}

TEST_CASE("eval/protocol/hand: white-banded images, PATN = ((W - 10) plain_L + 80) / (W + 70)") {
  // Both images are white in a band of 10 columns at each side, so the S maps at the image's columns are
  // the same padded or not (reflection and padding both see white), columns 0..4 and W-5..W-1 have S = 1,
  // and the 70 padding columns inside the 5-pixel crop have S = 1. Rows are cropped alike. So with the same
  // data range L the PATN mean is ((W - 10) plain + 10 + 70) / (W + 70) -- W + 70 columns of the padded,
  // cropped map against W - 10 of the plain one.
  const int H = 30, W = 44;
  const Image8 gt = banded_image(H, W, 10, 1, 0);
  SUBCASE("prediction reaches 0: L = 255, the plain protocol's own value") {
    Image8 pred = banded_image(H, W, 10, 2, 0);
    pred.pixels[(15 * W + 20) * 3 + 1] = 0;
    REQUIRE(min_byte(pred) == 0);
    const double plain = ssim(gt, pred, nullptr, "banded");
    CHECK(patn_ssim(gt, pred, "banded") == doctest::Approx(((W - 10) * plain + 80) / (W + 70)).epsilon(1e-12));
    CHECK(patn_ssim(gt, pred, "banded") > plain + 0.05);  // the white columns lift it by a visible amount
  }
  SUBCASE("darkest prediction byte 55: L = 200") {
    const Image8 pred = banded_image(H, W, 10, 3, 55);
    REQUIRE(min_byte(pred) == 55);
    const double plain_200 = ssim(gt, pred, nullptr, "banded", 200.0);
    CHECK(patn_ssim(gt, pred, "banded") == doctest::Approx(((W - 10) * plain_200 + 80) / (W + 70)).epsilon(1e-12));
    CHECK(plain_200 != doctest::Approx(ssim(gt, pred, nullptr, "banded")).epsilon(1e-6));  // L matters
  }
  SUBCASE("a uniformly white prediction has no data range: NaN") {
    CHECK(std::isnan(patn_ssim(gt, constant_image(H, W, 255), "white")));
  }
}

TEST_CASE("eval/protocol/expected: PATN SSIM of the stored pairs matches scikit-image") {
  const Json exp = read_json(eval_dir() + "/protocol_expected.json");
  REQUIRE(exp.size() >= 5);
  for (const auto& [name, e] : exp.as_object()) {
    CAPTURE(name);
    const Image8 gt = read_image(eval_dir() + "/gt/" + name + ".png");
    const Image8 pred = read_image(eval_dir() + "/pred/" + name + ".png");
    const double plain = ssim(gt, pred, nullptr, name), patn = patn_ssim(gt, pred, name);
    CAPTURE(plain);
    CAPTURE(patn);
    CHECK(std::fabs(plain - e.at("plain").as_number()) < 1e-9);
    CHECK(std::fabs(patn - e.at("patn").as_number()) < 1e-9);
    const Image8 p = patn_pad(pred);
    const auto [lo, hi] = std::minmax_element(p.pixels.begin(), p.pixels.end());
    CHECK(double(*hi) - double(*lo) == e.at("patn_data_range").as_number());
  }
}

TEST_CASE("eval/protocol/scope: patn changes the whole-image SSIM only") {
  const std::string name = "smooth_64x48";
  const Image8 gt = read_image(eval_dir() + "/gt/" + name + ".png");
  const Image8 pred = read_image(eval_dir() + "/pred/" + name + ".png");
  const Tensor iuv = read_iuv(eval_dir() + "/iuv/" + name + ".png", IUVOrder::BGR);
  const PairMetrics a = pair_metrics(gt, pred, iuv, name), b = pair_metrics(gt, pred, iuv, name, Protocol::Patn);
  CHECK(b.full.ssim == patn_ssim(gt, pred, name));
  CHECK(b.full.ssim != doctest::Approx(a.full.ssim).epsilon(1e-3));
  CHECK(b.full.ms_ssim == a.full.ms_ssim);
  CHECK(b.full.l1 == a.full.l1);
  CHECK(b.full.psnr == a.full.psnr);
  CHECK(b.person.ssim == a.person.ssim);
  CHECK(b.person.ms_ssim == a.person.ms_ssim);
  CHECK(parse_protocol("patn") == Protocol::Patn);
  CHECK(std::string(protocol_name(Protocol::Plain)) == "plain");
  CHECK_ERROR(parse_protocol("PATN"), "PATN", "plain, patn");
}

TEST_CASE("eval/protocol/cli: dpt-eval --protocol patn reports it; a bad value is a usage error") {
  const std::string dir = test::temp_dir("eval_protocol_cli");
  const std::string base = test::tool_path("dpt-eval") + " --pred-dir " + eval_dir() + "/pred --gt-dir " + eval_dir() + "/gt";
  const test::CommandResult r = test::run_command(base + " --protocol patn --json " + dir + "/r.json");
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(test::contains(r.out, "SSIM patn"));
  const Json j = read_json(dir + "/r.json");
  CHECK(j.at("run").at("protocol").as_string() == "patn");
  CHECK(j.at("settings").at("protocol").as_string() == "patn");
  const Json exp = read_json(eval_dir() + "/protocol_expected.json");
  double sum = 0;
  for (const auto& [name, e] : exp.as_object()) sum += e.at("patn").as_number();
  CHECK(j.at("mean").at("ssim").as_number() == doctest::Approx(sum / exp.size()).epsilon(1e-9));
  const test::CommandResult bad = test::run_command(base + " --protocol PATN");
  CHECK(bad.code == 2);
  CHECK(test::contains(bad.err, "--protocol"));
}
