// What the generic trainer (train/trainer.h) needs from a model family (DPT: train/dpt_family.h; SCA-GAN
// next). The trainer knows stages only by name, in the order the family lists them; everything
// model-specific -- networks, data, losses, sample grids, checkpoint contents -- stays behind this interface.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/safetensors.h"
#include "ops/adam.h"
#include "ops/device.h"
#include "train/adam.h"

namespace dpt {

using LossValues = std::vector<std::pair<std::string, double>>;  // the first one is the headline

// One optimiser of a stage: its name ("G", "D", "D_PP", ...) and the parameters it trains (names unique
// across the stage's groups: the checkpoint stores each one's moments as adam.m/v.<param>).
struct OptimiserGroup {
  std::string name;
  std::vector<std::pair<std::string, Tensor>> params;
  AdamHyper hyper;  // lr here is the base rate; ModelFamily::learning_rate may change it per step
};

// The stage's optimisers by group name, in the order of ModelFamily::optimiser_groups.
class StageOptimisers {
 public:
  StageOptimisers() = default;
  // One Adam per group, as the trainer makes them.
  explicit StageOptimisers(const std::vector<OptimiserGroup>& groups);
  void add(const std::string& name, std::unique_ptr<Adam> adam) { list_.emplace_back(name, std::move(adam)); }
  Adam& operator[](const std::string& name);  // an Error naming the group when absent
  std::vector<std::pair<std::string, std::unique_ptr<Adam>>>& all() { return list_; }

 private:
  std::vector<std::pair<std::string, std::unique_ptr<Adam>>> list_;
};

// A batch of one stage, produced by the family from its own data source; the trainer only passes it back.
struct StageBatch {
  virtual ~StageBatch() = default;
};

class ModelFamily {
 public:
  virtual ~ModelFamily() = default;

  // The checkpoints' "family" metadata, e.g. "dpt".
  virtual std::string name() const = 0;
  // Every stage (phase) of the family, in training order.
  virtual std::vector<std::string> stages() const = 0;
  // The stages of this run, in training order: "all" or a comma-separated list; an unknown name is an
  // Error listing the valid ones.
  std::vector<std::string> select_stages(const std::string& list) const;
  // The position of `stage` in stages(); an Error listing the valid names when unknown.
  size_t stage_index(const std::string& stage) const;

  // Steps the stage runs in total (from the family's schedule and its data).
  virtual int64_t stage_steps(const std::string& stage) const = 0;
  // Items per step, for the progress line (img/s).
  virtual int64_t batch_size(const std::string& stage) const = 0;
  // One line describing the stage's work, e.g. "batch 8, 1200 pairs".
  virtual std::string describe_stage(const std::string& stage) const = 0;

  // The optimisers of the stage (fresh moments at the start of each stage).
  virtual std::vector<OptimiserGroup> optimiser_groups(const std::string& stage) const = 0;
  // Learning-rate schedule hook: the rate of `group` for 0-based step `step` of `total` (DPT: constant;
  // SCA-GAN: its epoch-based linear decay). Called before every step.
  virtual double learning_rate(const std::string& stage, const OptimiserGroup& group, int64_t step,
                               int64_t total) const {
    return group.hyper.lr;
  }

  // Puts each network in train or eval mode as `stage` needs (Module::train / eval; e.g. SCA-GAN's
  // frozen PCT-Net runs in eval mode in phase 2). Called at the start of every stage, resumed or not.
  virtual void set_stage_modes(const std::string& stage) = 0;

  // Batch `step` (0-based) of the stage, on the model's device: a pure function of (seed, stage, step),
  // so that a resumed run sees exactly the batches of the uninterrupted run.
  virtual std::unique_ptr<StageBatch> batch(const std::string& stage, int64_t step) = 0;
  // Forward, backward and the optimiser updates of one step. Throws NonFiniteLoss (train/step.h) before
  // any weight changes when a loss is not finite.
  virtual LossValues step(const std::string& stage, const StageBatch& batch, StageOptimisers& opt) = 0;
  // The names of the losses drawn in the stage's plot (plots/<stage>.svg), the headline first.
  virtual std::vector<std::string> plotted_losses(const std::string& stage) const = 0;
  // Whether the stage has a sample grid, and the grid of a batch (a PNG at `path`).
  virtual bool has_samples(const std::string& stage) const = 0;
  virtual void write_samples(const std::string& path, const std::string& stage, const StageBatch& batch) = 0;
  // The inference forward (no gradients) on a batch of the last stage: what dpt-bench times.
  virtual void inference_forward(const StageBatch& batch) = 0;

  // Moves every network (and fixed feature networks) to `device`.
  virtual void to(Device device) = 0;
  // --init: the weights of a checkpoint or weights file with the same network shapes (other settings
  // may differ); an Error naming what differs otherwise.
  virtual void init_from(const std::string& path) = 0;
  // Exact resume: the weights of one of this family's training checkpoints (already checked).
  virtual void load_weights(const SafetensorsFile& file, const std::string& path) = 0;
  // Writes the weights (+ `extra` tensors, + `metadata`) with the family's own metadata (e.g. dpt_config).
  virtual void save(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& extra,
                    const std::map<std::string, std::string>& metadata) const = 0;
  // A cheap fingerprint of the training data (e.g. a hash of the sample and pair lists), stored in
  // checkpoints and compared on resume; "" when the data source has none.
  virtual std::string data_fingerprint() const { return ""; }

  // Data-parallel training (train/distributed.h): this process is rank `rank` of `world` and trains on
  // its slice of every global batch (shard_rows). Refused for world > 1 unless the family says it
  // slices its batches (shards_batches); the trainer checks that `world` divides every batch.
  void set_shard(int rank, int world);
  virtual bool shards_batches() const { return false; }

 protected:
  // Rows [rank*n/world, (rank+1)*n/world) of a batch tensor [n, ...]: the slice of the global batch a
  // single process would draw (the tensor itself for one rank).
  Tensor shard_rows(const Tensor& t) const;
  int shard_rank_ = 0, shard_world_ = 1;
};

// A seed for the batch sequence of one stage: separates the stages' sequences for one run seed.
uint64_t stage_batch_seed(uint64_t seed, const std::string& stage);

}  // namespace dpt
