// CUDA parity of the SCA-GAN data ops (keypoint heatmaps, XDoG, BEP2; label emu on the CUDA emulator,
// gpu on a GPU) against the CPU kernels, and their golden cases with the inputs on the device. These ops
// are not differentiable: forward only.
#ifdef DPT_WITH_CUDA
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "core/rng.h"
#include "ops/bep2.h"
#include "ops/heatmap.h"
#include "ops/xdog.h"
#include "tests/cuda_parity.h"

using namespace dpt;
using namespace dpt::test;

namespace {

// Integer keypoints [N, J, 2] in and around an H x W frame, some missing (-1 in y or x) and some outside.
Tensor random_keypoints(int64_t N, int64_t J, int64_t H, int64_t W, uint64_t seed, DType dt) {
  Generator gen(seed);
  std::vector<double> v;
  for (int64_t i = 0; i < N * J; ++i) {
    const uint64_t r = gen.next_u64();
    double y = static_cast<double>(static_cast<int64_t>(r % static_cast<uint64_t>(H + 12)) - 6);
    double x = static_cast<double>(static_cast<int64_t>((r >> 20) % static_cast<uint64_t>(W + 12)) - 6);
    if ((r >> 40) % 7 == 0) y = -1;
    if ((r >> 44) % 9 == 0) x = -1;
    v.push_back(y), v.push_back(x);
  }
  return Tensor::from_vector(v, {N, J, 2}).to(dt);
}

// Byte-valued tensor (integers 0..255).
Tensor random_bytes(const Shape& s, uint64_t seed, DType dt) {
  Generator gen(seed);
  std::vector<double> v(static_cast<size_t>(shape_numel(s)));
  for (double& x : v) x = static_cast<double>(gen.next_u64() % 256);
  return Tensor::from_vector(v, s).to(dt);
}

// A smooth picture with an edge, so that XDoG has lines (and ties) to find.
Tensor picture(int64_t N, int64_t H, int64_t W, DType dt) {
  std::vector<double> v;
  for (int64_t n = 0; n < N; ++n)
    for (int c = 0; c < 3; ++c)
      for (int64_t r = 0; r < H; ++r)
        for (int64_t x = 0; x < W; ++x)
          v.push_back(std::floor(127.5 + 100 * std::sin(0.3 * r + 0.2 * x * (c + 1) + n) * ((x + n) % 11 < 5 ? 1 : 0.2)));
  return Tensor::from_vector(v, {N, 3, H, W}).to(dt);
}

}  // namespace

TEST_CASE("emu/heatmap") {
  DPT_REQUIRE_CUDA();
  for (DType dt : {DType::F32, DType::F64}) {
    const Tensor kp = random_keypoints(2, 18, 13, 11, 5, dt);
    check_parity(std::string("heatmap ") + dtype_name(dt),
                 [](const std::vector<Tensor>& in) { return keypoint_heatmaps(in[0], 13, 11, 3.0); }, {kp}, {false},
                 -1, -1, false);
  }
}

TEST_CASE("emu/xdog") {
  DPT_REQUIRE_CUDA();
  for (DType dt : {DType::F32, DType::F64}) {
    for (const Tensor& rgb : {picture(2, 17, 13, dt), random_bytes({1, 3, 5, 3}, 9, dt), Tensor::full({1, 3, 4, 4}, 7.0, dt)}) {
      const XdogResult c = xdog(rgb, {}, true), g = xdog(rgb.to(cuda_dev()), {}, true);
      REQUIRE(g.edge.device().is_cuda());
      const std::string what = std::string("xdog ") + dtype_name(dt) + " " + rgb.shape_str();
      // Same double arithmetic on both sides; a byte may move by one only where 255 N lands on .5
      // (device tanh/exp may differ from the host's in the last bit on a GPU).
      expect_close(g.edge.to(Device::cpu()), c.edge, 1.0, 0, what + ": edge bytes");
      expect_close(g.gray.to(Device::cpu()), c.gray, 0, 0, what + ": gray");
      for (auto [gt, ct, name] : {std::tuple{g.blur_s, c.blur_s, "blur_s"}, {g.blur_ks, c.blur_ks, "blur_ks"},
                                  {g.D, c.D, "D"}, {g.X, c.X, "X"}, {g.normalised, c.normalised, "normalised"}})
        expect_close(gt.to(Device::cpu()), ct, parity_atol(dt), parity_rtol(dt), what + ": " + name);
    }
  }
}

TEST_CASE("emu/bep2") {
  DPT_REQUIRE_CUDA();
  Bep2Params p;
  p.sigma = 3, p.radius = 4, p.threshold = 0.1;
  for (DType dt : {DType::F32, DType::F64}) {
    const Tensor edge = random_bytes({2, 1, 15, 12}, 3, dt);
    const Tensor ks = random_keypoints(2, 18, 15, 12, 11, dt), kt = random_keypoints(2, 18, 15, 12, 12, dt);
    for (bool plates : {false, true})
      check_parity(std::string("bep2 ") + dtype_name(dt) + (plates ? " plates" : ""),
                   [&](const std::vector<Tensor>& in) { return bep2(in[0], in[1], in[2], p, plates); }, {edge, ks, kt},
                   {false, false, false}, -1, -1, false);
  }
}

TEST_CASE("emu/golden/sca/data_ops") {
  DPT_REQUIRE_CUDA();
  const std::string f = "sca/ops.safetensors";
  // heatmaps: sigma 3 on 20 x 16 (metadata of the golden case)
  Tensor hm = keypoint_heatmaps(golden(f, "heatmaps.kp").reshape({1, 18, 2}).to(DType::F32).to(cuda_dev()), 20, 16, 3.0);
  expect_golden(hm.to(Device::cpu()).reshape({18, 20, 16}), golden(f, "heatmaps.heatmaps"), 1e-6, "heatmaps on CUDA");
  // bep2: 24 x 20, sigma 3, radius 5, threshold 0.1
  const Tensor e = golden(f, "bep2.edge_u8").reshape({1, 1, 24, 20}).to(DType::F32).to(cuda_dev());
  const Tensor ks = golden(f, "bep2.kp_src").reshape({1, 18, 2}).to(DType::F32).to(cuda_dev());
  const Tensor kt = golden(f, "bep2.kp_tgt").reshape({1, 18, 2}).to(DType::F32).to(cuda_dev());
  expect_golden(bep2(e, ks, kt, {3, 5, 0.1}, true).to(Device::cpu()).reshape({18, 24, 20}), golden(f, "bep2.plates"), 0,
                "bep2 plates on CUDA");
  // xdog: bytes exact except the two flagged ties
  const Tensor hwc = golden(f, "xdog.rgb_u8");
  std::vector<double> v = hwc.to_vector(), o(v.size());
  const int64_t H = hwc.size(0), W = hwc.size(1);
  for (int64_t p = 0; p < H * W; ++p)
    for (int c = 0; c < 3; ++c) o[c * H * W + p] = v[p * 3 + c];
  const XdogResult r = xdog(Tensor::from_vector(o, {1, 3, H, W}).to(cuda_dev()), {}, true);
  expect_golden(r.normalised.to(Device::cpu()).reshape({H, W}), golden(f, "xdog.xdog"), 1e-6, "xdog on CUDA");
  const std::vector<double> got = r.edge.to(Device::cpu()).to_vector(), want = golden(f, "xdog.edge_u8").to_vector();
  const std::vector<double> tie = golden(f, "xdog.tie_mask").to_vector();
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) bad += tie[i] != 0 ? !(got[i] == 127 || got[i] == 128) : got[i] != want[i];
  CHECK_MESSAGE(bad == 0, bad << " XDoG bytes on CUDA differ from the golden");
}

#endif  // DPT_WITH_CUDA
