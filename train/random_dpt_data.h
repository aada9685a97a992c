// A DPT data source that serves the same random batch at every step: for benchmarks and memory tests,
// which measure a step's cost and need no real data.
#pragma once
#include <memory>
#include <string>

#include "core/rng.h"
#include "models/dpt/config.h"
#include "train/dpt_data_source.h"
#include "train/dpt_family.h"

namespace dpt {

class RandomDptData : public DptDataSource {
 public:
  // cfg.batch pairs and cfg.batch persons of cfg.K views at cfg.H x cfg.W: images uniform in [-1, 1], IUV
  // maps with a part index per 8x8 block (background on about a quarter of them) and U, V in [0, 1).
  RandomDptData(const Config& cfg, Generator& gen);
  int64_t num_pairs() const override { return pairs_.x_s.size(0); }
  int64_t num_persons() const override { return views_.x_views.size(0); }
  PairBatch pair_batch(uint64_t, int64_t) override { return pairs_; }
  ViewBatch view_batch(uint64_t, int64_t) override { return views_; }

 private:
  PairBatch pairs_;
  ViewBatch views_;
};

// One DPT training stage ready to step on RandomDptData (inputs from seed 1): the family (weights from
// its own seed, random VGG19 features of widths / vgg_width_div), in the stage's modes, on this rank's
// shard of the batch, with one Adam per optimiser group as the trainer makes them.
struct RandomDptStage {
  RandomDptStage(const Config& cfg, const std::string& stage, int64_t vgg_width_div,
                 const std::string& recompute = "none", int rank = 0, int world = 1);
  void step() { family.step(stage, *batch, opt); }

  std::string stage;
  RandomDptData data;
  DptFamily family;
  std::unique_ptr<StageBatch> batch;
  StageOptimisers opt;
};

}  // namespace dpt
