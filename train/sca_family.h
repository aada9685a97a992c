// SCA-GAN as a model family of the generic trainer (train/model_family.h): the phases pctnet -> isnet of
// docs/sca.md section 5, their three optimisers each (G, D_PP, D_PB), the epoch-based linear LR decay, the
// iteration order G -> D_PP -> D_PB over models/sca/losses.h, batches from a ScaDataSource, sample grids
// and checkpoints (sca_config metadata).
//
// Note [SCA stages]: the trainer's stages are named "pctnet" and "isnet" (the words, also the
// run folder's file names and the checkpoints' "stage" metadata); docs/sca.md section 8's "phase" metadata
// ("pct" / "isn") is written next to them. Where a user types a stage (--stages), both spellings are
// accepted (sca_stage_list maps pct -> pctnet, isn -> isnet).
//
// Note [SCA randomness]: everything random in a step is a pure function of (seed, stage, step): the pair
// draws (sca_draw_pairs over stage_batch_seed), z ~ N(0, I) [N, z_dim] (phase 2) and the six
// discriminator calls' dropout masks, drawn in docs/sca.md section 5.4's call order from one Generator seeded by
// (stage seed, step). So a resumed run draws exactly what the uninterrupted run drew.
//
// Note [SCA data-parallel]: with data-parallel ranks (train/distributed.h) every rank draws the global
// batch's pairs and z and keeps its rows (shard_rows), so the data equal a single process's; its dropout
// masks come from the step's mask seed mixed with the rank. Three things are per rank, as in PyTorch DDP
// without SyncBatchNorm: phase 1's BatchNorm statistics, the contextual loss's centring (the batch mean of
// the target features) and the dropout masks -- so N ranks are not bit-identical to one process.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "models/sca/losses.h"
#include "models/sca/sca.h"
#include "models/vgg.h"
#include "train/model_family.h"
#include "train/options.h"
#include "train/sca_data_source.h"

namespace dpt {

inline const char* const kScaPctStage = "pctnet";
inline const char* const kScaIsnStage = "isnet";

// "pct" -> "pctnet", "isn" -> "isnet" in a comma-separated stage list ("all" and the full names unchanged).
std::string sca_stage_list(const std::string& list);
// The folder data options of a run: its data root and edge source, the image size and the heatmap, BEP2
// and XDoG settings of its sca_config (what dpt-train reads the dataset with).
ScaFolderOptions sca_folder_options(const TrainOptions& opts, const std::string& split = "train");
// The phase of a stage name (either spelling); an Error listing the valid names otherwise.
ScaPhase sca_stage_phase(const std::string& stage);

// An SCA batch as the family passes it around: the network inputs (z drawn for phase 2) and the seed of
// the step's dropout masks.
struct ScaStageBatch : StageBatch {
  ScaBatch in;                     // models/sca/losses.h
  std::vector<std::string> names;  // "from>to" per row
  uint64_t mask_seed = 0;
};

class ScaFamily : public ModelFamily {
 public:
  // Builds the networks from opts.sca with weights drawn from Generator(opts.seed) (ScaGan's order), then
  // the VGG19 features: "random" features from the same generator, else the weights file (a missing file
  // turns L_per and the contextual loss off, with a warning).
  ScaFamily(const TrainOptions& opts, ScaDataSource& data);

  static std::vector<std::string> stage_names();  // pctnet, isnet

  std::string name() const override;
  std::vector<std::string> stages() const override { return stage_names(); }
  int64_t stage_steps(const std::string& stage) const override;
  int64_t batch_size(const std::string& stage) const override;
  std::string describe_stage(const std::string& stage) const override;
  std::vector<OptimiserGroup> optimiser_groups(const std::string& stage) const override;
  // docs/sca.md section 5.2: lr * (1 - max(0, e - niter) / (niter_decay + 1)) in epoch e = 1 + step / iterations.
  double learning_rate(const std::string& stage, const OptimiserGroup& group, int64_t step,
                       int64_t total) const override;
  // Phase 1: pct and its discriminators in train mode; phase 2: pct in eval mode (frozen), isn and its
  // discriminators in train mode. VGG19 always in eval mode.
  void set_stage_modes(const std::string& stage) override;
  std::unique_ptr<StageBatch> batch(const std::string& stage, int64_t step) override;
  // docs/sca.md section 5.3: one generator forward; every loss is checked finite before any update; then the G step,
  // the D_PP step and the D_PB step, both D losses on the forward's fake (detached).
  LossValues step(const std::string& stage, const StageBatch& batch, StageOptimisers& opt) override;
  std::vector<std::string> plotted_losses(const std::string& stage) const override;
  bool has_samples(const std::string& stage) const override { return true; }
  // Rows of [P1, EP1, BP2 (max over joints), EP2, fake_EP2, (isnet) fake_P2, P2]; edge maps shown as stored
  // (dark lines on white).
  void write_samples(const std::string& path, const std::string& stage, const StageBatch& batch) override;
  void inference_forward(const StageBatch& batch) override;
  void to(Device device) override;
  void init_from(const std::string& path) override;
  void load_weights(const SafetensorsFile& file, const std::string& path) override;
  // Every network of the model; metadata sca_config, family "sca", and with a training checkpoint's
  // "stage" also "phase" (pct / isn) and "epoch" (1-based epoch of the step).
  void save(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& extra,
            const std::map<std::string, std::string>& metadata) const override;
  std::string data_fingerprint() const override { return data_.fingerprint(); }
  bool shards_batches() const override { return true; }  // Note [SCA data-parallel]

  const ScaGan& model() const { return model_; }
  ScaGan& model() { return model_; }

 private:
  int64_t iterations_per_epoch(ScaPhase phase) const;

  TrainOptions opts_;
  ScaDataSource& data_;
  Generator gen_;
  ScaGan model_;
  std::unique_ptr<VGG19Features> vgg_;  // null: L_per and CX off
  Device device_ = Device::cpu();
};

}  // namespace dpt
