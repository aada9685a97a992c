// Tests of dpt-eval's metrics (eval/): SSIM / MS-SSIM / L1 / PSNR against scikit-image numbers stored in
// tests/data/eval/expected.json (make_expected.py), the Gaussian filter against a plain 2-D reference,
// file matching, and the report.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "eval/evaluate.h"
#include "eval/match.h"
#include "eval/metrics.h"
#include "eval/report.h"
#include "eval/ssim.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/iuv.h"
#include "io/json.h"
#include "test_io_util.h"
#include "test_util.h"

using namespace dpt;
using namespace dpt::eval;

namespace {

std::string eval_dir() { return test::test_data_dir() + "/eval"; }

const Json& expected() {
  static const Json j = [] {
    const std::string path = eval_dir() + "/expected.json";
    const std::vector<uint8_t> b = read_file_bytes(path);
    return parse_json(std::string(b.begin(), b.end()), path);
  }();
  return j;
}

// |actual - expected| <= tol, with both numbers in the failure message. A JSON null expects NaN.
void check_num(double actual, const Json& exp, double tol, const std::string& what) {
  CAPTURE(what);
  if (exp.is_null()) {
    CHECK(std::isnan(actual));
    return;
  }
  const double e = exp.as_number();
  CAPTURE(actual);
  CAPTURE(e);
  CHECK(std::fabs(actual - e) <= tol);
}

// h x w values 0..255: the first h*w bytes of test::random_image's noise for `seed`.
Plane random_plane(int h, int w, uint32_t seed) {
  Plane p;
  p.height = h;
  p.width = w;
  for (uint8_t b : test::noise_bytes(static_cast<size_t>(h) * w, seed)) p.v.push_back(b);
  return p;
}

// Half-sample reflection written out the slow way: step back and forth until inside.
int reflect_slow(int i, int n) {
  while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - 1 - i;
  return i;
}

std::string scratch(const std::string& name) {
  const std::string d = test::scratch_dir() + "/eval_" + name;
  std::filesystem::create_directories(d);
  return d;
}

void copy(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("eval/ssim/gaussian_taps: 11 normalised taps exp(-x^2 / 4.5)") {
  const auto& g = gaussian_taps();
  double sum = 0;
  for (double v : g) sum += v;
  CHECK(std::fabs(sum - 1.0) < 1e-15);
  for (int k = 0; k < kSsimWindow; ++k) {
    const double x = k - kSsimRadius;
    CHECK(g[k] / g[kSsimRadius] == doctest::Approx(std::exp(-x * x / 4.5)).epsilon(1e-14));
    CHECK(g[k] == g[kSsimWindow - 1 - k]);
  }
}

TEST_CASE("eval/ssim/gaussian_filter: equals a direct 2-D sum with reflected borders") {
  // Sides down to 3 exercise repeated reflection (radius 5 > side).
  for (auto [h, w] : {std::pair{12, 17}, std::pair{11, 11}, std::pair{3, 14}, std::pair{6, 5}}) {
    CAPTURE(h);
    CAPTURE(w);
    const Plane p = random_plane(h, w, 7u + h * 31u + w);
    Plane f;
    gaussian_filter(p, f);
    const auto& g = gaussian_taps();
    double worst = 0;
    for (int i = 0; i < h; ++i)
      for (int j = 0; j < w; ++j) {
        double acc = 0;
        for (int a = -kSsimRadius; a <= kSsimRadius; ++a)
          for (int b = -kSsimRadius; b <= kSsimRadius; ++b)
            acc += g[a + kSsimRadius] * g[b + kSsimRadius] * p.v[reflect_slow(i + a, h) * w + reflect_slow(j + b, w)];
        worst = std::max(worst, std::fabs(acc - f.v[i * w + j]));
      }
    CHECK(worst < 1e-10);
  }
}

TEST_CASE("eval/ssim/downsample2: 2x2 means, odd last row and column dropped") {
  Plane p;
  p.height = 3;
  p.width = 5;
  for (int i = 0; i < 15; ++i) p.v.push_back(i);
  const Plane d = downsample2(p);
  REQUIRE(d.height == 1);
  REQUIRE(d.width == 2);
  CHECK(d.v[0] == (0 + 1 + 5 + 6) / 4.0);
  CHECK(d.v[1] == (2 + 3 + 7 + 8) / 4.0);
}

TEST_CASE("eval/ssim/scales: 5 scales from a smaller side of 176, fewer below") {
  CHECK(ms_ssim_scales(256, 176) == 5);
  CHECK(ms_ssim_scales(176, 176) == 5);
  CHECK(ms_ssim_scales(175, 300) == 4);
  CHECK(ms_ssim_scales(96, 128) == 4);
  CHECK(ms_ssim_scales(48, 64) == 3);
  CHECK(ms_ssim_scales(22, 22) == 2);
  CHECK(ms_ssim_scales(11, 40) == 1);
  CHECK(ms_ssim_scales(10, 40) == 0);
}

TEST_CASE("eval/ssim/identical: SSIM = MS-SSIM = 1, L1 = 0, PSNR = inf") {
  const Image8 a = test::random_image(40, 30, 3);
  const Metrics m = image_metrics(a, a, nullptr, "identical");
  CHECK(m.ssim == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(m.ms_ssim == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(m.ms_ssim_scales == 2);
  CHECK(m.l1 == 0.0);
  CHECK(std::isinf(m.psnr));
}

TEST_CASE("eval/ssim/expected: SSIM, MS-SSIM, L1, PSNR and person-region values match scikit-image") {
  const Json& cases = expected().at("cases");
  REQUIRE(cases.size() >= 5);
  const double tol = 1e-6;  // the brief's tolerance; the float64 differences are ~1e-15
  for (const auto& [name, e] : cases.as_object()) {
    CAPTURE(name);
    const Image8 gt = read_image(eval_dir() + "/gt/" + name + ".png");
    const Image8 pred = read_image(eval_dir() + "/pred/" + name + ".png");
    const Tensor iuv = read_iuv(eval_dir() + "/iuv/" + name + ".png", IUVOrder::BGR);
    CHECK(gt.height == e.at("height").as_int());
    CHECK(gt.width == e.at("width").as_int());
    const PairMetrics m = pair_metrics(gt, pred, iuv, name);
    check_num(m.full.ssim, e.at("ssim"), tol, name + " ssim");
    check_num(m.full.ms_ssim, e.at("ms_ssim"), tol, name + " ms_ssim");
    CHECK(m.full.ms_ssim_scales == e.at("ms_ssim_scales").as_int());
    check_num(m.full.l1, e.at("l1"), tol, name + " l1");
    check_num(m.full.psnr, e.at("psnr"), tol, name + " psnr");
    const Json& p = e.at("person");
    REQUIRE(m.has_person);
    check_num(m.foreground_fraction, p.at("foreground_fraction"), 1e-12, name + " foreground");
    check_num(m.person.ssim, p.at("ssim"), tol, name + " person ssim");
    check_num(m.person.ms_ssim, p.at("ms_ssim"), tol, name + " person ms_ssim");
    check_num(m.person.l1, p.at("l1"), tol, name + " person l1");
    check_num(m.person.psnr, p.at("psnr"), tol, name + " person psnr");
  }
}

TEST_CASE("eval/ssim/region: empty or border-only regions give NaN where undefined") {
  const Image8 a = test::random_image(30, 30, 1), b = test::random_image(30, 30, 2);
  Plane mask;
  mask.height = mask.width = 30;
  mask.v.assign(900, 0.0);
  const Metrics none = image_metrics(a, b, &mask, "empty region");
  CHECK(std::isnan(none.ssim));
  CHECK(std::isnan(none.ms_ssim));
  CHECK(std::isnan(none.l1));
  CHECK(std::isnan(none.psnr));
  mask.v[0] = 1.0;  // a corner pixel: outside the cropped SSIM map, inside L1 / PSNR
  const Metrics corner = image_metrics(a, b, &mask, "corner region");
  CHECK(std::isnan(corner.ssim));
  CHECK(corner.l1 == doctest::Approx((std::abs(a.pixels[0] - b.pixels[0]) + std::abs(a.pixels[1] - b.pixels[1]) +
                                      std::abs(a.pixels[2] - b.pixels[2])) / (3 * 255.0)));
  mask.v.assign(900, 1.0);  // a full region is the whole image
  const Metrics full = image_metrics(a, b, &mask, "full region");
  const Metrics all = image_metrics(a, b, nullptr, "whole image");
  CHECK(full.ssim == doctest::Approx(all.ssim).epsilon(1e-12));
  CHECK(full.ms_ssim == doctest::Approx(all.ms_ssim).epsilon(1e-12));
  CHECK(full.psnr == doctest::Approx(all.psnr).epsilon(1e-12));
}

TEST_CASE("eval/ssim/errors: size mismatch and images under the window name the pair") {
  const Image8 a = test::random_image(20, 20, 1), b = test::random_image(20, 21, 2);
  const Image8 tiny = test::random_image(10, 30, 3);
  CHECK_THROWS_WITH_AS(ssim(a, b, nullptr, "x.png vs y.png"), doctest::Contains("x.png vs y.png: sizes differ"), Error);
  CHECK_THROWS_WITH_AS(ms_ssim(tiny, tiny, nullptr, "t.png"), doctest::Contains("smaller than the 11x11 window"), Error);
}

TEST_CASE("eval/match: by name, by pairs file, and missing files") {
  MatchOptions o;
  o.pred_dir = eval_dir() + "/pred";
  o.gt_dir = eval_dir() + "/gt";
  o.iuv_dir = eval_dir() + "/iuv";
  const auto items = match_files(o);
  REQUIRE(items.size() == expected().at("cases").size());
  CHECK(items[0].name == "invert_64x48");  // sorted by file name
  CHECK(items[0].gt == eval_dir() + "/gt/invert_64x48.png");
  CHECK(items[0].iuv == eval_dir() + "/iuv/invert_64x48.png");

  // Pairs: predictions <from>___<to>.png, ground truth and IUV of <to> (given with an extension here).
  const std::string pd = scratch("pairs_pred"), csv = scratch("pairs") + "/pairs-test.csv";
  copy(eval_dir() + "/pred/smooth_64x48.png", pd + "/a___smooth_64x48.png");
  {
    std::ofstream f(csv);
    f << "from,to\r\na.jpg,smooth_64x48.png\r\n";
  }
  o.pred_dir = pd;
  o.pairs_csv = csv;
  const auto pairs = match_files(o);
  REQUIRE(pairs.size() == 1);
  CHECK(pairs[0].name == "a___smooth_64x48");
  CHECK(pairs[0].pred == pd + "/a___smooth_64x48.png");
  CHECK(pairs[0].gt == eval_dir() + "/gt/smooth_64x48.png");
  CHECK(pairs[0].iuv == eval_dir() + "/iuv/smooth_64x48.png");
  {
    std::ofstream f(csv);
    f << "from,to\nc,smooth_64x48\nd,smooth_64x48\n";
  }
  CHECK_THROWS_WITH_AS(match_files(o), doctest::Contains("2 prediction(s) missing"), Error);
  {
    std::ofstream f(csv);
    f << "source,target\n";
  }
  CHECK_THROWS_WITH_AS(match_files(o), doctest::Contains("must name the columns 'from' and 'to'"), Error);
  {
    std::ofstream f(csv);
    f << "from,to\na,b\na,b\n";
  }
  CHECK_THROWS_WITH_AS(read_pairs_csv(csv), doctest::Contains("line 3"), Error);

  MatchOptions bad;
  bad.pred_dir = eval_dir() + "/no_such_dir";
  bad.gt_dir = eval_dir() + "/gt";
  CHECK_THROWS_WITH_AS(match_files(bad), doctest::Contains("no_such_dir' does not exist"), Error);
  bad.pred_dir = eval_dir() + "/gt";
  bad.gt_dir = pd;  // holds none of the names
  CHECK_THROWS_WITH_AS(match_files(bad), doctest::Contains("ground-truth image(s) missing"), Error);
}

TEST_CASE("eval/report: means, JSON nulls for infinite PSNR, grid size") {
  MatchOptions o;
  o.pred_dir = eval_dir() + "/pred";
  o.gt_dir = eval_dir() + "/gt";
  o.iuv_dir = eval_dir() + "/iuv";
  auto items = match_files(o);
  items.push_back(items.back());  // a prediction equal to its ground truth
  items.back().name = "same";
  items.back().pred = items.back().gt;
  const auto results = evaluate(items, IUVOrder::BGR);
  const Summary s = summarize(results);
  CHECK(s.count == items.size());
  CHECK(s.min_scales == 3);
  CHECK(s.max_scales == 5);
  CHECK(s.full.psnr.infinite == 1);
  CHECK(s.full.psnr.used == items.size() - 1);
  double sum = 0;
  for (const auto& [name, e] : expected().at("cases").as_object()) sum += e.at("ssim").as_number();
  CHECK(s.full.ssim.mean == doctest::Approx((sum + 1.0) / items.size()).epsilon(1e-9));

  const Json j = parse_json(report_json(results, s, Json::object()).dump(), "report");
  CHECK(j.at("count").as_int() == static_cast<int64_t>(items.size()));
  CHECK(j.at("images").as_array().back().at("psnr").is_null());
  CHECK(j.at("mean").at("psnr_infinite").as_int() == 1);
  CHECK(j.contains("ms_ssim_note"));
  CHECK(j.at("person_mean").at("n").at("ssim").as_int() == static_cast<int64_t>(items.size()));

  const Image8 g = make_grid(items, 3);
  CHECK(g.width == 2 * 128 + 3 * 4);  // first three by name: invert_64x48, noise_128x96, noise_64x48
  CHECK(g.height == 3 * (96 + 4) + 4);
}
