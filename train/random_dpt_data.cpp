// RandomDptData (see random_dpt_data.h).
#include "train/random_dpt_data.h"

namespace dpt {
namespace {

Tensor random_images(const Shape& s, Generator& g) {
  Tensor t = Tensor::empty(s, DType::F32);
  uniform_(t, -1.0, 1.0, g);
  return t;
}

// [..., 3, H, W]: I from a hash of the 8x8 block (0 = background on a quarter of them), U, V uniform.
Tensor random_iuv(const Shape& s, Generator& g) {
  Tensor t = Tensor::empty(s, DType::F32);
  uniform_(t, 0.0, 1.0, g);
  const int64_t H = s[s.size() - 2], W = s.back(), maps = t.numel() / (3 * H * W);
  float* p = t.data<float>();
  for (int64_t m = 0; m < maps; ++m)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) {
        const uint64_t h = (uint64_t(m) * 7919u + uint64_t(y / 8) * 104729u + uint64_t(x / 8) * 1299709u) % 97u;
        p[m * 3 * H * W + y * W + x] = h % 4 == 0 ? 0.0f : static_cast<float>(1 + h % 24);
      }
  return t;
}

}  // namespace

RandomDptData::RandomDptData(const Config& cfg, Generator& gen) {
  const int64_t N = cfg.batch, H = cfg.H, W = cfg.W;
  pairs_ = {random_images({N, 3, H, W}, gen), random_iuv({N, 3, H, W}, gen), random_iuv({N, 3, H, W}, gen),
            random_images({N, 3, H, W}, gen)};
  views_ = {random_images({N, cfg.K, 3, H, W}, gen), random_iuv({N, cfg.K, 3, H, W}, gen)};
}

namespace {

RandomDptData seeded_data(const Config& cfg) {
  Generator gen(1);
  return RandomDptData(cfg, gen);
}

TrainOptions random_data_options(const Config& cfg, const std::string& stage, int64_t vgg_width_div,
                                 const std::string& recompute) {
  TrainOptions o;
  o.model = cfg;
  o.data = "(random)";
  o.vgg = "random";
  o.vgg_width_div = vgg_width_div;
  o.stages = stage;
  o.recompute = recompute;
  return o;
}

}  // namespace

RandomDptStage::RandomDptStage(const Config& cfg, const std::string& stage_name, int64_t vgg_width_div,
                               const std::string& recompute, int rank, int world)
    : stage(stage_name),
      data(seeded_data(cfg)),
      family(random_data_options(cfg, stage_name, vgg_width_div, recompute), data) {
  family.set_shard(rank, world);
  family.set_stage_modes(stage);
  batch = family.batch(stage, 0);
  opt = StageOptimisers(family.optimiser_groups(stage));
}

}  // namespace dpt
