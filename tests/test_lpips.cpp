// Tests of LPIPS (eval/lpips.h, eval/lpips_eval.h): the network against a float64 NumPy computation of the
// same formula on hashed weights and images (tests/data/eval/lpips_expected.json, make_lpips_expected.py),
// basic properties, the weight loader's errors, the size limit, and dpt-eval --lpips.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "eval/lpips.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "ops/reduce.h"
#include "test_util.h"

using namespace dpt;
using namespace dpt::eval;

namespace {

// The counter hash of make_lpips_expected.py: MurmurHash3's finaliser of i + seed * 0x9E3779B9 (mod 2^32).
uint32_t hash32(uint64_t i, uint64_t seed) {
  uint32_t h = static_cast<uint32_t>(i + seed * 0x9E3779B9ull);
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}
double uniform(uint64_t i, uint64_t seed) { return static_cast<double>(hash32(i, seed) >> 8) / double(1 << 24); }

// The script's weights, tensor k of lpips_tensors() from seed 1000 + k.
std::map<std::string, Tensor> hashed_weights() {
  std::map<std::string, Tensor> w;
  const auto& specs = lpips_tensors();
  for (size_t k = 0; k < specs.size(); ++k) {
    const auto& s = specs[k];
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    const bool conv_w = s.name.rfind("features.", 0) == 0 && s.name.find(".weight") != std::string::npos;
    const bool bias = s.name.find(".bias") != std::string::npos;
    const double a = conv_w ? std::sqrt(6.0 / static_cast<double>(s.shape[1] * s.shape[2] * s.shape[3])) : 0;
    for (int64_t i = 0; i < n; ++i) {
      const double u = uniform(static_cast<uint64_t>(i), 1000 + k);
      v[static_cast<size_t>(i)] = static_cast<float>(conv_w ? (2 * u - 1) * a : bias ? (2 * u - 1) * 0.1 : 0.2 * u);
    }
    w[s.name] = Tensor::from_vector(v, s.shape);
  }
  return w;
}

Image8 blank(int h, int w) {
  Image8 img;
  img.height = h;
  img.width = w;
  img.channels = 3;
  img.pixels.assign(static_cast<size_t>(h) * w * 3, 0);
  return img;
}
Image8 noise(int h, int w, uint64_t seed) {
  Image8 img = blank(h, w);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(hash32(i, seed) >> 24);
  return img;
}
Image8 ramp(int h, int w, uint64_t seed) {
  Image8 img = blank(h, w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        const size_t i = (static_cast<size_t>(y) * w + x) * 3 + c;
        img.pixels[i] = static_cast<uint8_t>((4 * x + 2 * y + 50 * c + static_cast<int>(hash32(i, seed) >> 28)) % 256);
      }
  return img;
}
Image8 nudged(Image8 img, uint64_t seed) {
  for (size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = static_cast<uint8_t>(std::clamp(int(img.pixels[i]) + int(hash32(i, seed) >> 28) - 8, 0, 255));
  return img;
}
int64_t byte_sum(const Image8& img) {
  int64_t s = 0;
  for (uint8_t b : img.pixels) s += b;
  return s;
}

Tensor batch_of(const Image8& img) {
  const Tensor t = lpips_input(img);
  return t.reshape({1, t.size(0), t.size(1), t.size(2)});
}

const Lpips& hashed_net() {
  static const Lpips net = Lpips::from_tensors(hashed_weights(), "hashed test weights");
  return net;
}

Json read_json(const std::string& path) {
  const std::vector<uint8_t> b = read_file_bytes(path);
  return parse_json(std::string(b.begin(), b.end()), path);
}

// The cases of make_lpips_expected.py, by name.
std::map<std::string, std::pair<Image8, Image8>> numpy_cases() {
  return {{"noise_vs_noise_64x64", {noise(64, 64, 1), noise(64, 64, 2)}},
          {"ramp_vs_nudged_64x48", {ramp(64, 48, 3), nudged(ramp(64, 48, 3), 4)}},
          {"noise_vs_nudged_40x36", {noise(40, 36, 5), nudged(noise(40, 36, 5), 6)}},
          {"ramp_vs_noise_31x33", {ramp(31, 33, 7), noise(31, 33, 8)}}};
}

}  // namespace

TEST_CASE("eval/lpips/numpy: per-layer and total distances match a float64 NumPy computation") {
  const Json exp = read_json(test::test_data_dir() + "/eval/lpips_expected.json");
  // The weights are the script's: their sums agree to float32 rounding of the sum order.
  for (const auto& [name, t] : hashed_weights()) {
    CAPTURE(name);
    double s = 0;
    for (double v : t.to_vector()) s += v;
    CHECK(s == doctest::Approx(exp.at("weight_checksums").at(name).as_number()).epsilon(1e-9));
  }
  const auto cases = numpy_cases();
  REQUIRE(exp.at("cases").size() == cases.size());
  for (const auto& [name, pair] : cases) {
    CAPTURE(name);
    const Json& e = exp.at("cases").at(name);
    REQUIRE(byte_sum(pair.first) == e.at("gt_sum").as_int());  // the images are the script's
    REQUIRE(byte_sum(pair.second) == e.at("pred_sum").as_int());
    const LpipsDistance d = hashed_net().distance(batch_of(pair.first), batch_of(pair.second))[0];
    // float32 network against float64: the worst relative error measured was ~1e-6.
    const double want = e.at("lpips").as_number();
    CAPTURE(d.total);
    CAPTURE(want);
    CHECK(std::fabs(d.total - want) <= 2e-5 * want);
    REQUIRE(d.layers.size() == kLpipsLayers);
    for (int l = 0; l < kLpipsLayers; ++l) {
      CAPTURE(l);
      const double wl = e.at("layers").as_array()[static_cast<size_t>(l)].as_number();
      CHECK(std::fabs(d.layers[static_cast<size_t>(l)] - wl) <= 2e-5 * wl);
    }
  }
}

TEST_CASE("eval/lpips/properties: d(x, x) = 0, symmetric, batched = one by one, feature shapes") {
  const Lpips& net = hashed_net();
  const Image8 a = noise(48, 40, 21), b = ramp(48, 40, 22);
  CHECK(net.distance(batch_of(a), batch_of(a))[0].total == 0.0);
  const double ab = net.distance(batch_of(a), batch_of(b))[0].total, ba = net.distance(batch_of(b), batch_of(a))[0].total;
  CHECK(ab > 0);
  CHECK(ab == doctest::Approx(ba).epsilon(1e-12));
  const Tensor x0 = cat({batch_of(a), batch_of(b)}, 0), x1 = cat({batch_of(b), batch_of(b)}, 0);
  const auto d = net.distance(x0, x1);
  REQUIRE(d.size() == 2);
  CHECK(d[0].total == doctest::Approx(ab).epsilon(1e-6));
  CHECK(d[1].total == 0.0);
  // 64x48: conv1 15x11, pool 7x5, conv2 7x5, pool 3x2, conv3..5 3x2.
  const auto f = net.features(batch_of(blank(64, 48)));
  REQUIRE(f.size() == 5);
  CHECK(f[0].shape() == Shape{1, 64, 15, 11});
  CHECK(f[1].shape() == Shape{1, 192, 7, 5});
  CHECK(f[2].shape() == Shape{1, 384, 3, 2});
  CHECK(f[4].shape() == Shape{1, 256, 3, 2});
  CHECK(lpips_input(a).to_vector()[0] == doctest::Approx(a.pixels[0] / 127.5 - 1.0).epsilon(1e-7));
}

TEST_CASE("eval/lpips/size: images under 31x31 are refused, 31x31 runs") {
  const Lpips& net = hashed_net();
  CHECK_ERROR(net.distance(batch_of(blank(30, 64)), batch_of(blank(30, 64))), "LPIPS", "30x64", "31x31");
  CHECK(net.distance(batch_of(noise(31, 31, 1)), batch_of(noise(31, 31, 2)))[0].total > 0);
  CHECK_ERROR(net.distance(batch_of(blank(40, 40)), batch_of(blank(40, 41))), "LPIPS", "[1, 3, 40, 40]",
              "[1, 3, 40, 41]");
}

TEST_CASE("eval/lpips/load: missing and misshapen tensors are named; the lpips package's names get a hint") {
  auto w = hashed_weights();
  w.erase("lin2.model.1.weight");
  CHECK_ERROR(Lpips::from_tensors(w, "test weights"), "test weights", "missing tensor 'lin2.model.1.weight'");
  w = hashed_weights();
  w["features.3.weight"] = Tensor::zeros({192, 64, 3, 3});
  CHECK_ERROR(Lpips::from_tensors(w, "test weights"), "features.3.weight", "[192, 64, 3, 3]", "[192, 64, 5, 5]");
  // A file saved from lpips.LPIPS().state_dict() as it is: net.slice1.0.weight, ..., lins.0.model.1.weight.
  const std::string dir = test::temp_dir("lpips_load");
  write_safetensors(dir + "/pkg.safetensors", {{"net.slice1.0.weight", Tensor::zeros({64, 3, 11, 11})},
                                               {"lins.0.model.1.weight", Tensor::zeros({1, 64, 1, 1})}});
  CHECK_ERROR(Lpips::load(dir + "/pkg.safetensors"), "pkg.safetensors", "missing tensor 'features.0.weight'",
              "lpips package's own names");
}

TEST_CASE("eval/lpips/cli: dpt-eval --lpips adds LPIPS per image and its mean; a missing file is named") {
  const std::string dir = test::temp_dir("lpips_cli");
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& [name, t] : hashed_weights()) tensors.emplace_back(name, t);
  write_safetensors(dir + "/lpips.safetensors", tensors);
  make_dirs(dir + "/gt");
  make_dirs(dir + "/pred");
  const auto cases = numpy_cases();
  const Json exp = read_json(test::test_data_dir() + "/eval/lpips_expected.json");
  double sum = 0;
  for (const auto& [name, pair] : cases) {
    write_png(dir + "/gt/" + name + ".png", pair.first);
    write_png(dir + "/pred/" + name + ".png", pair.second);
    sum += exp.at("cases").at(name).at("lpips").as_number();
  }
  const std::string base =
      test::tool_path("dpt-eval") + " --pred-dir " + dir + "/pred --gt-dir " + dir + "/gt --threads 1";
  const test::CommandResult r = test::run_command(base + " --lpips " + dir + "/lpips.safetensors --json " + dir + "/r.json");
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(test::contains(r.out, "LPIPS"));
  const Json j = read_json(dir + "/r.json");
  CHECK(j.at("mean").at("lpips").as_number() == doctest::Approx(sum / cases.size()).epsilon(2e-5));
  CHECK(j.at("mean").at("n").at("lpips").as_int() == static_cast<int64_t>(cases.size()));
  for (const Json& im : j.at("images").as_array())
    CHECK(im.at("lpips").as_number() ==
          doctest::Approx(exp.at("cases").at(im.at("name").as_string()).at("lpips").as_number()).epsilon(2e-5));
  CHECK(j.at("settings").contains("lpips"));
  // Without --lpips the report has no LPIPS at all.
  const test::CommandResult plain = test::run_command(base + " --json " + dir + "/p.json");
  REQUIRE_MESSAGE(plain.code == 0, plain.err);
  CHECK_FALSE(read_json(dir + "/p.json").at("mean").contains("lpips"));
  const test::CommandResult missing = test::run_command(base + " --lpips " + dir + "/no_such.safetensors");
  CHECK(missing.code == 1);
  CHECK(test::contains(missing.err, "no_such.safetensors' does not exist"));
  CHECK(test::contains(missing.err, "LPIPS"));
}
