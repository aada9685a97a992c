// Dense Pose Transfer as a model family of the generic trainer (train/model_family.h): the stages
// predictive -> inpainting -> blending of docs/dpt.md section 6, their optimisers, losses, batches
// from a DptDataSource, sample grids and checkpoints (dpt_config metadata).
// It lives in train/ rather than models/dpt/ because it drives optimisers and data loading: models/ stays
// free of training code, so that dpt-infer links none of it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "models/dpt/dpt.h"
#include "models/dpt/losses.h"
#include "models/vgg.h"
#include "train/dpt_data_source.h"
#include "train/model_family.h"
#include "train/options.h"

namespace dpt {

// A DPT batch: pairs (predictive, blending) or views of one person (inpainting).
struct DptBatch : StageBatch {
  PairBatch pairs;
  ViewBatch views;
};

class DptFamily : public ModelFamily {
 public:
  // Builds the networks from opts.model with weights drawn from Generator(opts.seed) in the order pred,
  // inpaint, blend, disc, then the VGG19 features when a stage of opts.stages needs them (blending, or
  // predictive with pred_lambda_p > 0): "random" features from the same generator, else the weights file
  // (a missing file turns the perceptual and style terms off, with a warning).
  DptFamily(const TrainOptions& opts, DptDataSource& data);

  static std::vector<std::string> stage_names();  // predictive, inpainting, blending

  std::string name() const override;
  std::vector<std::string> stages() const override { return stage_names(); }
  int64_t stage_steps(const std::string& stage) const override;
  int64_t batch_size(const std::string& stage) const override { return opts_.model.batch; }
  std::string describe_stage(const std::string& stage) const override;
  std::vector<OptimiserGroup> optimiser_groups(const std::string& stage) const override;
  // Every network in train mode and VGG19 in eval mode; no DPT layer reads the mode, so this changes
  // no number (it keeps the modes right should one be added).
  void set_stage_modes(const std::string& stage) override;
  std::unique_ptr<StageBatch> batch(const std::string& stage, int64_t step) override;
  LossValues step(const std::string& stage, const StageBatch& batch, StageOptimisers& opt) override;
  std::vector<std::string> plotted_losses(const std::string& stage) const override;
  bool has_samples(const std::string& stage) const override;
  void write_samples(const std::string& path, const std::string& stage, const StageBatch& batch) override;
  void inference_forward(const StageBatch& batch) override;
  void to(Device device) override;
  void init_from(const std::string& path) override;
  void load_weights(const SafetensorsFile& file, const std::string& path) override;
  void save(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& extra,
            const std::map<std::string, std::string>& metadata) const override;
  std::string data_fingerprint() const override { return data_.fingerprint(); }
  bool shards_batches() const override { return true; }  // batch() slices pairs / persons

  const DensePoseTransfer& model() const { return model_; }

 private:
  int64_t stage_items(const std::string& stage) const;  // persons (inpainting) or pairs

  TrainOptions opts_;
  DptDataSource& data_;
  Generator gen_;
  DensePoseTransfer model_;
  std::unique_ptr<VGG19Features> vgg_;  // null: perceptual and style terms off
  Device device_ = Device::cpu();
};

}  // namespace dpt
