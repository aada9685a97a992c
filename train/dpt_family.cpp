// DptFamily (see dpt_family.h): the stage steps of docs/dpt.md section 6 over models/dpt/losses.h.
#include "train/dpt_family.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/autograd.h"
#include "models/checkpoint.h"
#include "models/dpt/checkpoint.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "train/distributed.h"
#include "train/samples.h"
#include "train/step.h"

namespace dpt {

namespace {
const char* const kPredictive = "predictive";
const char* const kInpainting = "inpainting";
const char* const kBlending = "blending";

bool needs_vgg(const TrainOptions& o, const std::vector<std::string>& stages) {
  return std::find(stages.begin(), stages.end(), kBlending) != stages.end() || o.model.pred_lambda_p > 0;
}

std::unique_ptr<VGG19Features> make_vgg(const TrainOptions& o, Generator& gen) {
  if (o.vgg == "random") return VGG19Features::random(o.vgg_width_div, gen);
  struct stat st;
  if (o.vgg.empty() || stat(o.vgg.c_str(), &st) != 0) {
    std::fprintf(stderr,
                 "warning: VGG19 weights %s%s%s not found: the perceptual and style losses are OFF.\n"
                 "         Convert torchvision's vgg19 weights (see README) and pass --vgg FILE, or --vgg random.\n",
                 o.vgg.empty() ? "" : "'", o.vgg.c_str(), o.vgg.empty() ? "(none given)" : "'");
    return nullptr;
  }
  return VGG19Features::from_file(o.vgg);
}

// Data-parallel (train/distributed.h): masked_l1 divides each view term by the visible texels of this
// rank's slice, so the ranks' mean would not be the single-process loss, which divides by the visible
// texels of the whole batch. Weighting each term by world * (local visible) / (global visible) makes it
// so exactly (one all-reduce of K numbers per step).
Tensor sharded_inpainting_loss(const InpaintingLosses& l, int world) {
  std::vector<double> local, global;
  {
    NoGradGuard ng;
    for (const Tensor& M : l.Ms) local.push_back(sum(M).item());
  }
  global = local;
  dist::allreduce_sum(global);
  Tensor loss;
  for (size_t k = 0; k < l.view_terms.size(); ++k) {
    // masked_l1's denominator is max(sum(M) * C, 1); the global one likewise.
    const double C = static_cast<double>(l.texs[k].size(1));
    const double w = world * std::max(local[k] * C, 1.0) / std::max(global[k] * C, 1.0);
    Tensor term = l.view_terms[k] * w;
    loss = k == 0 ? term : loss + term;
  }
  return loss;
}

const DptBatch& dpt_batch(const StageBatch& b) {
  const auto* d = dynamic_cast<const DptBatch*>(&b);
  DPT_CHECK(d, "DPT family: the batch was not made by the DPT family");
  return *d;
}
}  // namespace

DptFamily::DptFamily(const TrainOptions& opts, DptDataSource& data)
    : opts_(opts), data_(data), gen_(opts.seed), model_(opts.model, gen_) {
  if (needs_vgg(opts_, select_stages(opts_.stages))) vgg_ = make_vgg(opts_, gen_);
  // Note [recompute]: memory for time, the same numbers.
  model_.inpaint->recompute_decoder = opts_.recompute_inpainter();
  if (vgg_) vgg_->recompute = opts_.recompute_vgg();
}

std::vector<std::string> DptFamily::stage_names() { return {kPredictive, kInpainting, kBlending}; }

std::string DptFamily::name() const { return kDptFamily; }

int64_t DptFamily::stage_items(const std::string& stage) const {
  return stage == kInpainting ? data_.num_persons() : data_.num_pairs();
}

int64_t DptFamily::stage_steps(const std::string& stage) const {
  stage_index(stage);
  if (opts_.epochs > 0)
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(opts_.epochs * stage_items(stage) / opts_.model.batch)));
  if (stage == kPredictive) return opts_.predictive_steps;
  if (stage == kInpainting) return opts_.inpainting_steps;
  return opts_.blending_steps;
}

std::string DptFamily::describe_stage(const std::string& stage) const {
  return "batch " + std::to_string(opts_.model.batch) + ", " + std::to_string(stage_items(stage)) +
         (stage == kInpainting ? " persons" : " pairs");
}

std::vector<OptimiserGroup> DptFamily::optimiser_groups(const std::string& stage) const {
  const Config& c = model_.cfg;
  const AdamHyper hyper{c.lr, c.beta1, c.beta2, c.adam_eps};
  // Fresh moments per stage (section 6); blending has one Adam for the generator and one for D.
  if (stage == kPredictive) return {{"G", model_.pred->named_parameters("pred."), hyper}};
  if (stage == kInpainting) return {{"G", model_.inpaint->named_parameters("inpaint."), hyper}};
  stage_index(stage);
  return {{"G", model_.named_generator_parameters(), hyper}, {"D", model_.disc->named_parameters("disc."), hyper}};
}

void DptFamily::set_stage_modes(const std::string& stage) {
  model_.train(true);
  if (vgg_) vgg_->eval();
}

std::unique_ptr<StageBatch> DptFamily::batch(const std::string& stage, int64_t step) {
  const uint64_t seed = stage_batch_seed(opts_.seed, stage);
  auto b = std::make_unique<DptBatch>();
  // Data-parallel: this rank's slice of the global batch (the whole batch for one rank).
  if (stage == kInpainting) {
    b->views = data_.view_batch(seed, step);
    b->views = {shard_rows(b->views.x_views), shard_rows(b->views.iuv_views)};
    if (device_.is_cuda()) b->views = {b->views.x_views.to(device_), b->views.iuv_views.to(device_)};
  } else {
    b->pairs = data_.pair_batch(seed, step);
    b->pairs = {shard_rows(b->pairs.x_s), shard_rows(b->pairs.iuv_s), shard_rows(b->pairs.iuv_t), shard_rows(b->pairs.y)};
    const PairBatch& p = b->pairs;
    if (device_.is_cuda()) b->pairs = {p.x_s.to(device_), p.iuv_s.to(device_), p.iuv_t.to(device_), p.y.to(device_)};
  }
  return b;
}

LossValues DptFamily::step(const std::string& stage, const StageBatch& batch, StageOptimisers& opt) {
  const DptBatch& b = dpt_batch(batch);
  Adam& opt_g = opt["G"];
  opt_g.zero_grad();
  if (stage == kInpainting) {
    InpaintingLosses l = inpainting_losses(model_, b.views);
    if (shard_world_ > 1) l.loss = sharded_inpainting_loss(l, shard_world_);
    require_finite({{"loss", l.loss}});
    l.loss.backward();
    opt_g.step();
    return {{"loss", l.loss.item()}};
  }
  if (stage == kPredictive) {
    PredictiveLosses l = predictive_losses(model_, b.pairs, vgg_.get());
    require_finite({{"loss", l.loss}});
    l.loss.backward();
    opt_g.step();
    return {{"loss", l.loss.item()}, {"L1", l.L1.item()}};
  }
  stage_index(stage);
  Adam& opt_d = opt["D"];
  opt_d.zero_grad();
  BlendingLosses l = blending_losses(model_, vgg_.get(), b.pairs);
  require_finite({{"loss_G", l.loss_G}, {"loss_D", l.loss_D}});
  // Note [activation lifetimes]: the backward holds what it saved; the generator's other outputs (the
  // atlas-size source splat and completed texture among them) need not live through it.
  l.g = GeneratorOutputs();
  // The two graphs share no node (D sees y_hat detached; D's weights are constants in L_G), so the order
  // changes no number: D's first frees its two forward passes' activations before the generator's
  // backward rather than after it.
  l.loss_D.backward();
  l.loss_G.backward();
  opt_g.step();
  opt_d.step();
  LossValues out{{"loss_G", l.loss_G.item()}, {"loss_D", l.loss_D.item()}, {"L1", l.L1.item()}, {"L_G", l.L_G.item()}};
  if (vgg_) {
    out.push_back({"Lp", l.Lp.item()});
    out.push_back({"Ls", l.Ls.item()});
  }
  return out;
}

std::vector<std::string> DptFamily::plotted_losses(const std::string& stage) const {
  if (stage == kBlending) return {"loss_G", "loss_D"};
  return {"loss"};
}

bool DptFamily::has_samples(const std::string& stage) const { return stage != kInpainting; }

void DptFamily::write_samples(const std::string& path, const std::string& stage, const StageBatch& batch) {
  write_sample_grid(path, model_, dpt_batch(batch).pairs);
}

void DptFamily::inference_forward(const StageBatch& batch) {
  NoGradGuard no_grad;
  const PairBatch& p = dpt_batch(batch).pairs;
  model_.generator_forward(p.x_s, p.iuv_s, p.iuv_t);
}

void DptFamily::to(Device device) {
  device_ = device;
  if (!device.is_cuda()) return;
  model_.to(device);
  if (vgg_) vgg_->to(device);
}

void DptFamily::init_from(const std::string& path) {
  Checkpoint init = read_checkpoint(path);
  const std::string diff = config_differences(init.cfg, model_.cfg, /*shapes_only=*/true);
  DPT_CHECK(diff.empty(), path << ": its networks have other shapes than this run's (" << diff << ")");
  dpt::load_weights(model_, init);
  std::fprintf(stderr, "dpt-train: weights from %s\n", path.c_str());
}

void DptFamily::load_weights(const SafetensorsFile& file, const std::string& path) {
  auto it = file.metadata().find("dpt_config");
  DPT_CHECK(it != file.metadata().end(), path << ": not a Dense Pose Transfer checkpoint (no \"dpt_config\")");
  const Config saved = Config::from_json(it->second, path + ": dpt_config");
  DPT_CHECK(saved == model_.cfg, path << ": its dpt_config differs from this run's (" << config_differences(saved, model_.cfg)
                                      << ")");
  load_module_weights(model_, file, "checkpoint " + path,
                      [](const std::string& n) { return n.rfind("adam.", 0) == 0; });
}

void DptFamily::save(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& extra,
                     const std::map<std::string, std::string>& metadata) const {
  save_checkpoint(path, model_, extra, metadata);
}

}  // namespace dpt
