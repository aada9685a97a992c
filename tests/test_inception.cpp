// Tests of dpt-eval's Inception mode (eval/inception*.h, eval/fid.h): the inference kernels against plain
// references and hand values, the weight loader's errors, BatchNorm folding, FID / IS against hand-computed
// cases, and the network with random weights of torchvision's shapes (no real weights are downloaded).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "eval/fid.h"
#include "eval/inception.h"
#include "eval/inception_eval.h"
#include "io/file_io.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "ops/conv2d.h"
#include "ops/elementwise.h"
#include "ops/interpolate.h"
#include "ops/pool2d.h"
#include "ops/reduce.h"
#include "test_io_util.h"
#include "test_util.h"

using namespace dpt;
using namespace dpt::eval;
using dpt::test::contains;
using dpt::test::error_of;

namespace {

Tensor randn(const Shape& shape, uint64_t seed, double stddev = 1.0) {
  Tensor t = Tensor::empty(shape);
  Generator gen(seed);
  normal_(t, 0.0, stddev, gen);
  return t;
}

Tensor randu(const Shape& shape, uint64_t seed, double lo, double hi) {
  Tensor t = Tensor::empty(shape);
  Generator gen(seed);
  uniform_(t, lo, hi, gen);
  return t;
}


// Random weights with torchvision's names and shapes: He-normal convs, BatchNorm statistics away from the
// identity (so folding is exercised), fc scaled to give O(1) logits. Deterministic; built once (~95 MB).
const std::map<std::string, Tensor>& random_weights() {
  static const std::map<std::string, Tensor> w = [] {
    std::map<std::string, Tensor> m;
    uint64_t seed = 1000;
    for (const auto& s : inception_v3_tensors()) {
      const std::string& n = s.name;
      auto ends = [&](const std::string& suf) {
        return n.size() >= suf.size() && n.compare(n.size() - suf.size(), suf.size(), suf) == 0;
      };
      ++seed;
      if (ends(".conv.weight")) m[n] = randn(s.shape, seed, std::sqrt(2.0 / (s.shape[1] * s.shape[2] * s.shape[3])));
      else if (ends(".bn.weight")) m[n] = randu(s.shape, seed, 0.7, 1.3);
      else if (ends(".bn.bias") || ends(".bn.running_mean")) m[n] = randu(s.shape, seed, -0.2, 0.2);
      else if (ends(".bn.running_var")) m[n] = randu(s.shape, seed, 0.5, 2.0);
      else if (n == "fc.weight") m[n] = randn(s.shape, seed, 1.0 / std::sqrt(static_cast<double>(kInceptionFeatures)));
      else m[n] = randu(s.shape, seed, -0.1, 0.1);  // fc.bias
    }
    return m;
  }();
  return w;
}

const InceptionV3& random_net() {
  static const InceptionV3 net = InceptionV3::from_tensors(random_weights(), "random test weights");
  return net;
}

// Every expected name with a [1] placeholder: enough for the name checks, which come before shapes.
std::map<std::string, Tensor> placeholder_weights() {
  std::map<std::string, Tensor> m;
  for (const auto& s : inception_v3_tensors()) m[s.name] = Tensor::zeros({1});
  return m;
}

Tensor rows(const Tensor& t, int64_t b, int64_t e) { return t.slice(0, b, e).contiguous(); }

// [3, H, W] images -> [N, 3, H, W].
Tensor stack_images(const std::vector<Tensor>& images) {
  std::vector<Tensor> b;
  for (const Tensor& t : images) b.push_back(t.unsqueeze(0));
  return cat(b, 0);
}

}  // namespace

// ---------------------------------------------------------------- kernels

TEST_CASE("eval/inception/conv: the engine's conv2d with 1x7, 7x1, 1x3, 3x1 and strided kernels matches the reference") {
  struct Case {
    int64_t kh, kw;
    int stride, ph, pw;
  };
  const Case cases[] = {{1, 7, 1, 0, 3}, {7, 1, 1, 3, 0}, {1, 3, 1, 0, 1}, {3, 1, 1, 1, 0},
                        {3, 3, 2, 0, 0}, {2, 5, 2, 1, 2}, {5, 5, 1, 2, 2}};
  uint64_t seed = 1;
  for (const Case& c : cases) {
    const Tensor x = randn({2, 5, 9, 11}, ++seed), w = randn({4, 5, c.kh, c.kw}, ++seed), b = randn({4}, ++seed);
    const std::string what = "conv2d " + std::to_string(c.kh) + "x" + std::to_string(c.kw) + " s" +
                             std::to_string(c.stride) + " p(" + std::to_string(c.ph) + "," + std::to_string(c.pw) + ")";
    ConvParams p;
    p.stride = c.stride;
    p.padding = Hw(c.ph, c.pw);
    for (const Tensor& bias : {b, Tensor()}) {
      const Tensor got = conv2d(x, w, bias, p);
      Tensor ref = Tensor::empty_like(got);
      cpu::conv2d_forward_reference(x, w, bias, p, ref);
      test::expect_close(got, ref, 1e-5, 1e-5, what + (bias.defined() ? "" : " no bias"));
    }
  }
  // 1x7 with padding (0, 3) keeps the size, as in Mixed_6b..6e.
  ConvParams same_p;
  same_p.padding = Hw(0, 3);
  CHECK(conv2d(randn({1, 2, 17, 17}, 9), randn({3, 2, 1, 7}, 10), Tensor(), same_p).shape() == Shape{1, 3, 17, 17});
  CHECK(contains(error_of([&] { conv2d(randn({1, 2, 5, 5}, 1), randn({3, 4, 1, 7}, 2), Tensor(), same_p); }),
                 "[1, 2, 5, 5]"));
}

TEST_CASE("eval/inception/pools: 3x3/2 max, 3x3/1/1 average with count_include_pad, global average (hand values)") {
  std::vector<float> v(25);
  for (int i = 0; i < 25; ++i) v[i] = static_cast<float>(i);  // 5x5: x[r][c] = 5r + c
  const Tensor x = Tensor::from_vector(v, {1, 1, 5, 5});
  const PoolParams max3s2{3, 2, 0}, avg3s1p1{3, 1, 1};
  test::expect_close(max_pool2d(x, max3s2), Tensor::from_vector(std::vector<float>{12, 14, 22, 24}, {1, 1, 2, 2}), 0, 0,
                     "max pool");
  const std::vector<double> avg = avg_pool2d(x, avg3s1p1).to_vector();
  CHECK(avg[0] == doctest::Approx((0 + 1 + 5 + 6) / 9.0));          // corner: 4 of 9 inside, still / 9
  CHECK(avg[2] == doctest::Approx((1 + 2 + 3 + 6 + 7 + 8) / 9.0));  // top edge
  CHECK(avg[12] == doctest::Approx(12.0));                           // interior: the window mean
  CHECK(avg[24] == doctest::Approx((18 + 19 + 23 + 24) / 9.0));
  const Tensor g = mean(x.reshape({1, 1, 25}), 2);  // the network's global average pool
  CHECK(g.shape() == Shape{1, 1});
  CHECK(g.item() == doctest::Approx(12.0));
  // Inception's 35 -> 17 and 17 -> 8 reductions.
  CHECK(max_pool2d(Tensor::zeros({1, 1, 35, 35}), max3s2).shape() == Shape{1, 1, 17, 17});
  CHECK(max_pool2d(Tensor::zeros({1, 1, 17, 17}), max3s2).shape() == Shape{1, 1, 8, 8});
}

TEST_CASE("eval/inception/resize: bilinear align_corners=False hand values, identity at the same size") {
  const auto bilinear = [](const std::vector<float>& v, int64_t h, int64_t w, int64_t oh, int64_t ow) {
    return interpolate(Tensor::from_vector(v, {1, 1, h, w}), oh, ow, InterpMode::Bilinear);
  };
  // Up 2 -> 4: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (upper neighbour clamped): F.interpolate gives
  // [0, 0.25, 0.75, 1]; down 4 -> 2: sources 0.5 and 2.5.
  test::expect_close(bilinear({0, 1}, 1, 2, 1, 4), Tensor::from_vector(std::vector<float>{0, 0.25f, 0.75f, 1}, {1, 1, 1, 4}),
                     1e-7, 0, "up 2->4");
  test::expect_close(bilinear({0, 1, 2, 3}, 4, 1, 2, 1), Tensor::from_vector(std::vector<float>{0.5f, 2.5f}, {1, 1, 2, 1}),
                     1e-7, 0, "down 4->2 (rows)");
  // 2x2 -> 3x3: scale 2/3, sources -1/6 (-> 0), 0.5, 7/6 (-> 1): the centre is the mean of the four.
  const std::vector<double> r = bilinear({0, 4, 8, 12}, 2, 2, 3, 3).to_vector();
  CHECK(r[0] == doctest::Approx(0));
  CHECK(r[4] == doctest::Approx(6));
  CHECK(r[8] == doctest::Approx(12));
  const Tensor same = randn({1, 3, 7, 5}, 3);
  test::expect_close(interpolate(same, 7, 5, InterpMode::Bilinear), same, 0, 0, "identity");
}

TEST_CASE("eval/inception/input: bytes / 255 resized to 299x299, mapped to [-1, 1]") {
  Image8 img;
  img.height = img.width = kInceptionSize;
  img.channels = 3;
  for (int i = 0; i < kInceptionSize * kInceptionSize; ++i)
    for (int c = 0; c < 3; ++c) img.pixels.push_back(static_cast<uint8_t>((i * 7 + c * 50) % 256));
  const Tensor x = inception_input(img);
  REQUIRE(x.shape() == Shape{3, kInceptionSize, kInceptionSize});
  const std::vector<double> v = x.to_vector();
  const int64_t HW = int64_t(kInceptionSize) * kInceptionSize;
  for (int64_t i : {int64_t(0), int64_t(1), int64_t(12345), HW - 1})
    for (int64_t c = 0; c < 3; ++c)
      CHECK(v[c * HW + i] == doctest::Approx(2.0 * img.pixels[i * 3 + c] / 255.0 - 1.0).epsilon(1e-6));
  CHECK(inception_input(test::random_image(40, 30, 5, test::ImagePattern::Smooth)).shape() == Shape{3, kInceptionSize, kInceptionSize});
}

// ---------------------------------------------------------------- weights

TEST_CASE("eval/inception/tensors: torchvision's layer table") {
  const auto& specs = inception_v3_tensors();
  CHECK(specs.size() == 94 * 5 + 2);  // 94 BasicConv2d (5 tensors each) + fc
  CHECK(specs.front().name == "Conv2d_1a_3x3.conv.weight");
  CHECK(specs.front().shape == Shape{32, 3, 3, 3});
  int64_t params = 0;  // trainable: conv weights, bn weight / bias, fc
  for (const auto& s : specs)
    if (!contains(s.name, "running_")) params += shape_numel(s.shape);
  // torchvision's inception_v3 has 27,161,264 parameters, 3,326,696 of them in the AuxLogits head.
  CHECK(params == 27161264 - 3326696);
  std::map<std::string, Shape> by_name;
  for (const auto& s : specs) by_name[s.name] = s.shape;
  CHECK(by_name.size() == specs.size());  // no name twice
  CHECK(by_name["Mixed_6b.branch7x7_2.conv.weight"] == Shape{128, 128, 1, 7});
  CHECK(by_name["Mixed_7c.branch3x3dbl_3b.conv.weight"] == Shape{384, 384, 3, 1});
  CHECK(by_name["Mixed_7a.branch3x3_2.conv.weight"] == Shape{320, 192, 3, 3});
  CHECK(by_name["fc.weight"] == Shape{1000, 2048});
}

TEST_CASE("eval/inception/load: a missing tensor is named, in memory and in a file") {
  std::map<std::string, Tensor> m = placeholder_weights();
  m.erase("Mixed_6c.branch7x7dbl_3.bn.running_mean");
  std::string err = error_of([&] { InceptionV3::from_tensors(m, "test map"); });
  CHECK(contains(err, "missing tensor 'Mixed_6c.branch7x7dbl_3.bn.running_mean'"));
  CHECK(!contains(err, "more"));
  m.erase("fc.bias");
  err = error_of([&] { InceptionV3::from_tensors(m, "test map"); });
  CHECK(contains(err, "missing tensor 'Mixed_6c.branch7x7dbl_3.bn.running_mean' (and 1 more of the 472 expected)"));

  // The same through a safetensors file (names are checked before shapes, so placeholders suffice).
  std::map<std::string, Tensor> f = placeholder_weights();
  f.erase("Mixed_5b.branch_pool.conv.weight");
  std::vector<std::pair<std::string, Tensor>> entries(f.begin(), f.end());
  entries.emplace_back("AuxLogits.fc.weight", Tensor::zeros({1}));  // extra tensors are ignored
  const std::string path = test::scratch_dir() + "/inception_missing.safetensors";
  write_safetensors(path, entries);
  err = error_of([&] { InceptionV3::load(path); });
  CHECK(contains(err, path));
  CHECK(contains(err, "missing tensor 'Mixed_5b.branch_pool.conv.weight'"));
  std::filesystem::remove(path);

  // A state_dict saved from a wrapper (nn.DataParallel): the prefix is pointed out.
  std::map<std::string, Tensor> pre;
  for (const auto& [k, v] : placeholder_weights()) pre["module." + k] = v;
  CHECK(contains(error_of([&] { InceptionV3::from_tensors(pre, "test map"); }), "strip the prefix 'module.'"));
}

TEST_CASE("eval/inception/load: a tensor of the wrong shape is named; 1008 classes get a hint") {
  CHECK(contains(error_of([] { InceptionV3::from_tensors(placeholder_weights(), "test map"); }),
                 "tensor 'Conv2d_1a_3x3.conv.weight' is [1], expected [32, 3, 3, 3]"));
  std::map<std::string, Tensor> m = random_weights();
  m["Mixed_6e.branch7x7dbl_5.conv.weight"] = Tensor::zeros({192, 192, 7, 1});  // 7x1 where torchvision has 1x7
  CHECK(contains(error_of([&] { InceptionV3::from_tensors(m, "test map"); }),
                 "tensor 'Mixed_6e.branch7x7dbl_5.conv.weight' is [192, 192, 7, 1], expected [192, 192, 1, 7]"));
  m = random_weights();
  m["fc.weight"] = Tensor::zeros({1008, 2048});
  const std::string err = error_of([&] { InceptionV3::from_tensors(m, "test map"); });
  CHECK(contains(err, "tensor 'fc.weight' is [1008, 2048], expected [1000, 2048]"));
  CHECK(contains(err, "pytorch-fid"));
}

TEST_CASE("eval/inception/load: BatchNorm folding uses the running statistics and eps") {
  // Rescaling a conv's output channels by s and its BatchNorm's statistics to match
  // (running_mean * s, running_var' = s^2 (running_var + eps) - eps) leaves the network unchanged.
  const std::map<std::string, Tensor>& base = random_weights();
  std::map<std::string, Tensor> scaled = base;
  uint64_t seed = 77;
  // A square conv, a 5x5, a 1x7 and a 3x1 (both conv routes of the network).
  for (const std::string p :
       {"Conv2d_1a_3x3", "Mixed_5b.branch5x5_2", "Mixed_6b.branch7x7_2", "Mixed_7c.branch3x3_2b"}) {
    const Tensor w = base.at(p + ".conv.weight");
    const int64_t cout = w.size(0), per = w.numel() / cout;
    const std::vector<double> s = randu({cout}, ++seed, 0.5, 2.0).to_vector();
    std::vector<float> wv = w.to_float_vector(), mv = base.at(p + ".bn.running_mean").to_float_vector(),
                       vv = base.at(p + ".bn.running_var").to_float_vector();
    for (int64_t k = 0; k < cout; ++k) {
      for (int64_t i = 0; i < per; ++i) wv[k * per + i] = static_cast<float>(wv[k * per + i] * s[k]);
      mv[k] = static_cast<float>(mv[k] * s[k]);
      vv[k] = static_cast<float>(s[k] * s[k] * (vv[k] + kInceptionBnEps) - kInceptionBnEps);
    }
    scaled[p + ".conv.weight"] = Tensor::from_vector(wv, w.shape());
    scaled[p + ".bn.running_mean"] = Tensor::from_vector(mv, {cout});
    scaled[p + ".bn.running_var"] = Tensor::from_vector(vv, {cout});
  }
  const InceptionV3 other = InceptionV3::from_tensors(scaled, "rescaled weights");
  const Tensor x = randu({1, 3, 75, 75}, 5, -1, 1);  // the smallest input: cheap
  const InceptionOutput a = random_net().forward(x), b = other.forward(x);
  test::expect_close(b.pool, a.pool, 1e-5, 1e-4, "pool features");
  test::expect_close(b.logits, a.logits, 1e-5, 1e-4, "logits");
  CHECK(contains(error_of([&] { random_net().forward(Tensor::zeros({1, 3, 74, 80})); }), "smaller than 75x75"));
}

// ---------------------------------------------------------------- FID and IS maths

TEST_CASE("eval/inception/fid: hand-computed cases") {
  // Diagonal covariances: FID = |mu1 - mu2|^2 + sum (sqrt(a) - sqrt(b))^2.
  const Tensor mu1 = Tensor::from_vector(std::vector<double>{0, 1, 2}, {3});
  const Tensor mu2 = Tensor::from_vector(std::vector<double>{1, 1, 0}, {3});
  const Tensor s1 = Tensor::from_vector(std::vector<double>{4, 0, 0, 0, 1, 0, 0, 0, 9}, {3, 3});
  const Tensor s2 = Tensor::from_vector(std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 0}, {3, 3});
  CHECK(frechet_distance_stats(mu1, s1, mu2, s2) == doctest::Approx(5.0 + 1.0 + 0.0 + 9.0).epsilon(1e-12));
  CHECK(trace_sqrt_product(s1, s2) == doctest::Approx(2.0 + 1.0).epsilon(1e-12));

  // Commuting, non-diagonal: S1 = Q diag(a) Q^T, S2 = Q diag(b) Q^T with a rotation Q: Tr sqrt(S1 S2) = sum sqrt(ab).
  const double c = std::cos(0.7), s = std::sin(0.7);
  const double Q[3][3] = {{c, -s, 0}, {s * 0.6, c * 0.6, -0.8}, {s * 0.8, c * 0.8, 0.6}};  // orthogonal
  const double a[3] = {3, 0.5, 2}, b[3] = {1, 2, 0.125};
  std::vector<double> m1(9), m2(9);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) {
        m1[i * 3 + j] += Q[i][k] * a[k] * Q[j][k];
        m2[i * 3 + j] += Q[i][k] * b[k] * Q[j][k];
      }
  CHECK(trace_sqrt_product(Tensor::from_vector(m1, {3, 3}), Tensor::from_vector(m2, {3, 3})) ==
        doctest::Approx(std::sqrt(3.0) + 1.0 + 0.5).epsilon(1e-10));

  // 2x2, not commuting: Tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)) for M = S1 S2 (eigenvalues >= 0).
  const double p[4] = {2, 1, 1, 3}, q[4] = {1, -0.5, -0.5, 4};
  const double M[4] = {p[0] * q[0] + p[1] * q[2], p[0] * q[1] + p[1] * q[3], p[2] * q[0] + p[3] * q[2],
                       p[2] * q[1] + p[3] * q[3]};
  const double expect = std::sqrt(M[0] + M[3] + 2 * std::sqrt(M[0] * M[3] - M[1] * M[2]));
  CHECK(trace_sqrt_product(Tensor::from_vector(std::vector<double>(p, p + 4), {2, 2}),
                           Tensor::from_vector(std::vector<double>(q, q + 4), {2, 2})) ==
        doctest::Approx(expect).epsilon(1e-12));
}

TEST_CASE("eval/inception/fid: data-space and covariance routes agree; FID(A, A) = 0; symmetric") {
  struct Case {
    int64_t n1, n2, d;
  };
  uint64_t seed = 300;
  for (const Case& c : {Case{4, 5, 6}, Case{3, 3, 8}, Case{30, 40, 6}}) {
    CAPTURE(c.n1);
    CAPTURE(c.n2);
    const Tensor f1 = randn({c.n1, c.d}, ++seed).to(DType::F64);
    const Tensor f2 = (randn({c.n2, c.d}, ++seed) * 1.5 + 0.3).to(DType::F64);
    const double data = frechet_distance(f1, f2, FidMethod::kDataSpace);
    const double cov = frechet_distance(f1, f2, FidMethod::kCovariance);
    const double stats = frechet_distance_stats(feature_mean(f1), feature_cov(f1), feature_mean(f2), feature_cov(f2));
    CHECK(data > 0);
    CHECK(cov == doctest::Approx(data).epsilon(1e-6));
    CHECK(stats == doctest::Approx(data).epsilon(1e-6));
    CHECK(frechet_distance(f2, f1) == doctest::Approx(frechet_distance(f1, f2)).epsilon(1e-12));
    CHECK(std::fabs(frechet_distance(f1, f1, FidMethod::kDataSpace)) < 1e-12);
  }
  // Sample covariance (n - 1): two points +-1 in one dimension have variance 2.
  const Tensor two = Tensor::from_vector(std::vector<double>{-1, 1}, {2, 1});
  CHECK(feature_cov(two).item() == doctest::Approx(2.0));
  CHECK(contains(error_of([&] { frechet_distance(two.slice(0, 0, 1), two); }), "at least 2"));
}

TEST_CASE("eval/inception/is: identical images score 1; distinct confident classes score the class count") {
  std::vector<float> same;
  for (int i = 0; i < 6; ++i)
    for (int k = 0; k < 5; ++k) same.push_back(static_cast<float>(k * 0.7 - 1));
  const InceptionScore one = inception_score(Tensor::from_vector(same, {6, 5}));
  CHECK(one.mean == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(one.std < 1e-12);
  CHECK(one.splits == 3);  // 6 images: at least 2 per split
  // 4 images, each sure of its own class: p(y) uniform over 4, KL = log 4 per image.
  std::vector<float> onehot(16, 0.0f);
  for (int i = 0; i < 4; ++i) onehot[i * 4 + i] = 60.0f;
  const Tensor l = Tensor::from_vector(onehot, {4, 4});
  CHECK(inception_score(l, 1).mean == doctest::Approx(4.0).epsilon(1e-9));
  const InceptionScore two = inception_score(l);  // 2 splits of 2 images: 2 classes each
  CHECK(two.splits == 2);
  CHECK(two.mean == doctest::Approx(2.0).epsilon(1e-9));
  CHECK(inception_score(Tensor::zeros({25, 3})).splits == 10);
  CHECK(inception_score(Tensor::zeros({1, 3})).splits == 1);
}

// ---------------------------------------------------------------- the network, random weights

TEST_CASE("eval/inception/network: FID(A, A) ~ 0, FID symmetric and > 0, IS of identical images = 1") {
  // 5 images through the full 299x299 pipeline in one batch: A = 0, 1, B = 2, 3, and 4 = a copy of image 0.
  std::vector<Tensor> inputs;
  for (uint64_t i = 0; i < 4; ++i) inputs.push_back(inception_input(test::random_image(48 + 8 * i, 40, 10 + i, test::ImagePattern::Smooth)));
  const Tensor first = inputs[0];
  inputs.push_back(first);
  const Tensor x = stack_images(inputs);
  const InceptionOutput out = random_net().forward(x);
  REQUIRE(out.pool.shape() == Shape{5, kInceptionFeatures});
  REQUIRE(out.logits.shape() == Shape{5, kInceptionClasses});
  for (double v : out.pool.to_vector()) REQUIRE(std::isfinite(v));
  const Tensor A = rows(out.pool, 0, 2), B = rows(out.pool, 2, 4);
  const double self = frechet_distance(A, A), ab = frechet_distance(A, B), ba = frechet_distance(B, A);
  INFO("random-weight Inception: FID(A, A) = " << self << ", FID(A, B) = " << ab);
  CHECK(std::fabs(self) < 1e-3);
  CHECK(ab > 1e-3);
  CHECK(ab == doctest::Approx(ba).epsilon(1e-9));
  const InceptionScore same = inception_score(cat({rows(out.logits, 0, 1), rows(out.logits, 4, 5)}, 0));
  CHECK(same.mean == doctest::Approx(1.0).epsilon(1e-6));
  test::expect_close(rows(out.logits, 4, 5), rows(out.logits, 0, 1), 1e-6, 1e-5, "same image, other batch position");
  const InceptionScore mixed = inception_score(rows(out.logits, 0, 4), 1);
  CHECK(mixed.mean > 1.0);
}

TEST_CASE("eval/inception/cli: dpt-eval --inception adds IS and FID to the report; a bad file is named") {
  const std::string bin = test::tool_path("dpt-eval");
  const std::string dir = test::scratch_dir();
  const std::string weights = dir + "/inception_random.safetensors";
  const auto& w = random_weights();
  write_safetensors(weights, std::vector<std::pair<std::string, Tensor>>(w.begin(), w.end()));  // ~95 MB
  const Tensor x = randu({1, 3, 75, 75}, 9, -1, 1);  // the file loads to the same network
  test::expect_close(InceptionV3::load(weights).forward(x).logits, random_net().forward(x).logits, 0, 0,
                     "file vs memory");

  // 2 predictions and their ground truth (of the 6 in tests/data/eval), to keep the run short.
  const std::string src = test::test_data_dir() + "/eval", data = dir + "/inception_data";
  const std::string json = dir + "/inception_report.json";
  for (const char* sub : {"/pred", "/gt"}) {
    std::filesystem::create_directories(data + sub);
    for (const char* name : {"noise_128x96.png", "smooth_176x176.png"})
      std::filesystem::copy_file(src + sub + "/" + name, data + sub + "/" + name,
                                 std::filesystem::copy_options::overwrite_existing);
  }
  const test::CommandResult r = test::run_command(bin + " --pred-dir " + data + "/pred --gt-dir " + data +
                                                  "/gt --inception " + weights + " --json " + json);
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  const std::string& table = r.out;
  CHECK(contains(table, "IS       "));
  CHECK(contains(table, "FID      "));
  const std::vector<uint8_t> json_bytes = read_file_bytes(json);
  const Json j = parse_json(std::string(json_bytes.begin(), json_bytes.end()), json);
  CHECK(j.at("is").at("images").as_int() == 2);
  CHECK(j.at("is").at("splits").as_int() == 1);
  CHECK(j.at("is").at("mean").as_number() >= 1.0);
  CHECK(j.at("is_gt").at("images").as_int() == 2);
  CHECK(j.at("fid").as_number() > 0.0);
  CHECK(j.at("inception").at("fid_method").as_string() == "data space");
  CHECK(j.at("inception").at("notes").size() == 2);  // few splits, rank-deficient covariances
  std::filesystem::remove(weights);

  std::map<std::string, Tensor> bad = placeholder_weights();
  bad.erase("Mixed_7b.branch3x3_2a.bn.bias");
  const std::string bad_path = dir + "/inception_bad.safetensors";
  write_safetensors(bad_path, std::vector<std::pair<std::string, Tensor>>(bad.begin(), bad.end()));
  const test::CommandResult bad_run =
      test::run_command(bin + " --pred-dir " + data + "/pred --gt-dir " + data + "/gt --inception " + bad_path);
  CHECK(bad_run.code == 1);
  CHECK(contains(bad_run.err, "missing tensor 'Mixed_7b.branch3x3_2a.bn.bias'"));
  std::filesystem::remove(bad_path);
  std::filesystem::remove_all(data);
}

#ifdef DPT_WITH_CUDA
#include "tests/cuda_parity.h"

TEST_CASE("emu/inception: the network on the CUDA device matches the CPU") {
  // The smallest input (75x75) keeps the emulated run short; every op of the network is exercised.
  DPT_REQUIRE_CUDA();
  InceptionV3 net = random_net();
  const Tensor x = randn({1, 3, 75, 75}, 77);
  const InceptionOutput cpu_out = net.forward(x);
  net.to(test::cuda_dev());
  const InceptionOutput dev_out = net.forward(x.to(test::cuda_dev()));
  REQUIRE(dev_out.pool.device().is_cuda());
  test::expect_close(dev_out.pool.to(Device::cpu()), cpu_out.pool, 1e-4, 1e-3, "pool features");
  test::expect_close(dev_out.logits.to(Device::cpu()), cpu_out.logits, 1e-4, 1e-3, "logits");
  CHECK(contains(error_of([&] { net.forward(x); }), "(the network's device)"));
}
#endif  // DPT_WITH_CUDA
