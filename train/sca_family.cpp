// ScaFamily (see sca_family.h): docs/sca.md section 5 over models/sca/losses.h.
#include "train/sca_family.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include "core/autograd.h"
#include "io/image.h"
#include "models/sca/checkpoint.h"
#include "models/sca/inference.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "train/samples.h"
#include "train/step.h"

namespace dpt {

namespace {
// Salts separating the step's random streams (Note [SCA randomness]).
constexpr uint64_t kZSalt = 0x7a5ca0000000007aULL, kMaskSalt = 0x3a5ca000000000d0ULL;

std::unique_ptr<VGG19Features> make_vgg(const TrainOptions& o, Generator& gen) {
  if (o.sca.lambda_per == 0 && o.sca.lambda_cx == 0) return nullptr;
  if (o.vgg == "random") return VGG19Features::random(o.vgg_width_div, gen);
  struct stat st;
  if (o.vgg.empty() || stat(o.vgg.c_str(), &st) != 0) {
    std::fprintf(stderr,
                 "warning: VGG19 weights %s%s%s not found: the perceptual and contextual losses are OFF.\n"
                 "         Convert torchvision's vgg19 weights (see README) and pass --vgg FILE, or --vgg random.\n",
                 o.vgg.empty() ? "" : "'", o.vgg.c_str(), o.vgg.empty() ? "(none given)" : "'");
    return nullptr;
  }
  return VGG19Features::from_file(o.vgg);
}

const ScaStageBatch& sca_batch(const StageBatch& b) {
  const auto* s = dynamic_cast<const ScaStageBatch*>(&b);
  DPT_CHECK(s, "SCA-GAN family: the batch was not made by the SCA-GAN family");
  return *s;
}
}  // namespace

ScaFolderOptions sca_folder_options(const TrainOptions& opts, const std::string& split) {
  ScaFolderOptions so;
  so.root = opts.data;
  so.split = split;
  so.H = opts.sca.H;
  so.W = opts.sca.W;
  so.edges = opts.edges;
  so.sigma = opts.sca.sigma;
  so.bep_radius = opts.sca.bep_radius;
  so.bep_threshold = opts.sca.bep_threshold;
  so.xdog_sigma = opts.sca.xdog_sigma;
  so.xdog_k = opts.sca.xdog_k;
  so.xdog_gamma = opts.sca.xdog_gamma;
  so.xdog_phi = opts.sca.xdog_phi;
  so.xdog_eps = opts.sca.xdog_eps;
  return so;
}

std::string sca_stage_list(const std::string& list) {
  std::string out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = list.find(',', start);
    std::string s = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (s == "pct") s = kScaPctStage;
    if (s == "isn") s = kScaIsnStage;
    out += (out.empty() ? "" : ",") + s;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

ScaPhase sca_stage_phase(const std::string& stage) {
  if (stage == kScaPctStage || stage == "pct") return ScaPhase::Pct;
  if (stage == kScaIsnStage || stage == "isn") return ScaPhase::Isn;
  DPT_FAIL("unknown stage '" << stage << "' of the model family sca (valid: pctnet, isnet; also pct, isn)");
}

ScaFamily::ScaFamily(const TrainOptions& opts, ScaDataSource& data)
    : opts_(opts), data_(data), gen_(opts.seed), model_(opts.sca, gen_) {
  DPT_CHECK(opts.family == kScaFamily, "ScaFamily: the options name the model family '" << opts.family << "'");
  vgg_ = make_vgg(opts_, gen_);
}

std::vector<std::string> ScaFamily::stage_names() { return {kScaPctStage, kScaIsnStage}; }

std::string ScaFamily::name() const { return kScaFamily; }

int64_t ScaFamily::batch_size(const std::string& stage) const {
  return sca_stage_phase(stage) == ScaPhase::Pct ? opts_.sca.pct_batch : opts_.sca.isn_batch;
}

int64_t ScaFamily::iterations_per_epoch(ScaPhase phase) const {
  return sca_iterations_per_epoch(opts_.sca, phase == ScaPhase::Pct ? opts_.sca.pct_batch : opts_.sca.isn_batch);
}

int64_t ScaFamily::stage_steps(const std::string& stage) const {
  const ScaPhase p = sca_stage_phase(stage);
  const ScaConfig& c = opts_.sca;
  const int64_t epochs = p == ScaPhase::Pct ? c.pct_niter + c.pct_niter_decay : c.isn_niter + c.isn_niter_decay;
  return epochs * iterations_per_epoch(p);
}

std::string ScaFamily::describe_stage(const std::string& stage) const {
  const ScaPhase p = sca_stage_phase(stage);
  const ScaConfig& c = opts_.sca;
  const int64_t niter = p == ScaPhase::Pct ? c.pct_niter : c.isn_niter;
  const int64_t decay = p == ScaPhase::Pct ? c.pct_niter_decay : c.isn_niter_decay;
  return "batch " + std::to_string(batch_size(stage)) + ", " + std::to_string(niter) + " + " + std::to_string(decay) +
         " epochs of " + std::to_string(iterations_per_epoch(p)) + " iterations, " + std::to_string(data_.num_pairs()) +
         " pairs" + (vgg_ ? "" : ", no VGG19 (L_per, CX off)");
}

std::vector<OptimiserGroup> ScaFamily::optimiser_groups(const std::string& stage) const {
  const ScaPhase p = sca_stage_phase(stage);
  const ScaConfig& c = opts_.sca;
  const AdamHyper hyper{p == ScaPhase::Pct ? c.pct_lr : c.isn_lr, c.beta1, c.beta2, c.adam_eps};
  return {{"G", model_.generator_parameters(p), hyper},
          {"D_PP", model_.d_pp_parameters(p), hyper},
          {"D_PB", model_.d_pb_parameters(p), hyper}};
}

double ScaFamily::learning_rate(const std::string& stage, const OptimiserGroup& group, int64_t step, int64_t) const {
  const ScaPhase p = sca_stage_phase(stage);
  const ScaConfig& c = opts_.sca;
  const int64_t epoch = 1 + step / iterations_per_epoch(p);
  return group.hyper.lr * (p == ScaPhase::Pct ? sca_lr_factor(epoch, c.pct_niter, c.pct_niter_decay)
                                              : sca_lr_factor(epoch, c.isn_niter, c.isn_niter_decay));
}

void ScaFamily::set_stage_modes(const std::string& stage) {
  const bool pct = sca_stage_phase(stage) == ScaPhase::Pct;
  model_.pct->train(pct);
  model_.pct_dpb->train(pct);
  model_.pct_dpp->train(pct);
  model_.isn->train(!pct);
  model_.isn_dpb->train(!pct);
  model_.isn_dpp->train(!pct);
  if (vgg_) vgg_->eval();
}

std::unique_ptr<StageBatch> ScaFamily::batch(const std::string& stage, int64_t step) {
  const ScaPhase p = sca_stage_phase(stage);
  const uint64_t seed = stage_batch_seed(opts_.seed, stage);
  ScaPairBatch d = data_.pair_batch(seed, step, batch_size(stage));
  auto b = std::make_unique<ScaStageBatch>();
  b->names = d.names;
  b->in.P1 = d.P1;
  b->in.P2 = d.P2;
  b->in.EP1 = d.EP1;
  b->in.EP2 = d.EP2;
  b->in.BP2 = d.BP2;
  b->in.BEP2 = d.BEP2;
  if (p == ScaPhase::Isn) {
    b->in.z = Tensor::empty({d.P1.size(0), opts_.sca.z_dim});
    Generator zgen(rng_bits(seed ^ kZSalt, static_cast<uint64_t>(step)));
    normal_(b->in.z, 0.0, 1.0, zgen);
  }
  b->mask_seed = rng_bits(seed ^ kMaskSalt, static_cast<uint64_t>(step));
  if (shard_world_ > 1) {  // Note [SCA data-parallel]
    for (Tensor* t : {&b->in.P1, &b->in.P2, &b->in.EP1, &b->in.EP2, &b->in.BP2, &b->in.BEP2, &b->in.z})
      if (t->defined()) *t = shard_rows(*t);
    const int64_t n = static_cast<int64_t>(b->names.size());
    b->names = std::vector<std::string>(b->names.begin() + shard_rank_ * n / shard_world_,
                                        b->names.begin() + (shard_rank_ + 1) * n / shard_world_);
    b->mask_seed = rng_bits(b->mask_seed, static_cast<uint64_t>(shard_rank_));
  }
  if (device_.is_cuda())
    for (Tensor* t : {&b->in.P1, &b->in.P2, &b->in.EP1, &b->in.EP2, &b->in.BP2, &b->in.BEP2, &b->in.z})
      if (t->defined()) *t = t->to(device_);
  return b;
}

LossValues ScaFamily::step(const std::string& stage, const StageBatch& batch, StageOptimisers& opt) {
  const ScaStageBatch& b = sca_batch(batch);
  const ScaPhase p = sca_stage_phase(stage);
  Generator masks(b.mask_seed);
  const ScaDropout drop{nullptr, &masks};
  Adam &opt_g = opt["G"], &opt_pp = opt["D_PP"], &opt_pb = opt["D_PB"];
  // (1) one generator forward and the G loss (mask calls 0, 1), then both D losses on its fake (calls
  // 2..5): every loss exists and is checked before any weight changes.
  ScaGeneratorLosses g = sca_generator_losses(model_, p, vgg_.get(), b.in, drop);
  ScaDLoss dpp = sca_d_pp_loss(model_, p, b.in, g.fake, drop);
  ScaDLoss dpb = sca_d_pb_loss(model_, p, b.in, g.fake, drop);
  require_finite({{"loss_G", g.loss_G}, {"loss_D_PP", dpp.loss}, {"loss_D_PB", dpb.loss}});
  // (2) G step (the discriminators entered loss_G with constant weights), (3) D_PP, (4) D_PB.
  opt_g.zero_grad();
  g.loss_G.backward();
  opt_g.step();
  opt_pp.zero_grad();
  dpp.loss.backward();
  opt_pp.step();
  opt_pb.zero_grad();
  dpb.loss.backward();
  opt_pb.step();
  LossValues out = g.values();
  out.emplace_back("loss_D_PP", dpp.loss.item());
  out.emplace_back("loss_D_PB", dpb.loss.item());
  return out;
}

std::vector<std::string> ScaFamily::plotted_losses(const std::string& stage) const {
  sca_stage_phase(stage);
  return {"loss_G", "loss_D_PP", "loss_D_PB"};
}

void ScaFamily::write_samples(const std::string& path, const std::string& stage, const StageBatch& batch) {
  NoGradGuard ng;
  const ScaBatch& in = sca_batch(batch).in;
  const int64_t n = std::min<int64_t>(4, in.P1.size(0));
  auto rows = [n](const Tensor& t) { return t.slice(0, 0, n); };
  // The frozen PCT-Net (running statistics): what inference shows, and no running-statistics update here.
  const Tensor fake_EP2 = model_.edge_condition(rows(in.EP1), rows(in.BP2), rows(in.BEP2));
  std::vector<Tensor> cols{rows(in.P1), sca_edge_display(rows(in.EP1)), sca_heatmap_display(rows(in.BP2)),
                           sca_edge_display(rows(in.EP2)), sca_edge_display(fake_EP2)};
  if (sca_stage_phase(stage) == ScaPhase::Isn)
    cols.push_back(model_.isn->forward(rows(in.P1), fake_EP2, rows(in.BP2), rows(in.z)));
  cols.push_back(rows(in.P2));
  write_image_grid(path, cols);
}

void ScaFamily::inference_forward(const StageBatch& batch) {
  const ScaBatch& in = sca_batch(batch).in;
  Tensor z = in.z.defined() ? in.z : Tensor::zeros({in.P1.size(0), opts_.sca.z_dim}, DType::F32, device_);
  model_.infer(in.P1, in.EP1, in.BP2, in.BEP2, z);
}

void ScaFamily::to(Device device) {
  device_ = device;
  if (!device.is_cuda()) return;
  model_.to(device);
  if (vgg_) vgg_->to(device);
}

void ScaFamily::init_from(const std::string& path) {
  ScaCheckpoint ck = read_sca_checkpoint(path);
  const std::string diff = config_differences(ck.cfg, model_.cfg, /*shapes_only=*/true);
  DPT_CHECK(diff.empty(), path << ": its networks have other shapes than this run's (" << diff << ")");
  const std::vector<std::string> nets = load_sca_weights(model_, ck);
  std::string list;
  for (const auto& n : nets) list += (list.empty() ? "" : ", ") + n;
  std::fprintf(stderr, "dpt-train: weights of %s from %s\n", list.c_str(), path.c_str());
}

void ScaFamily::load_weights(const SafetensorsFile&, const std::string& path) {
  ScaCheckpoint ck = read_sca_checkpoint(path);
  // The schedule (niter fields) may be extended on resume; everything else must match.
  const std::string diff = field_differences(ck.cfg.fields(), model_.cfg.fields(), changes_results);
  DPT_CHECK(diff.empty(), path << ": its sca_config differs from this run's (" << diff << ")");
  const std::vector<std::string> nets = load_sca_weights(model_, ck);
  DPT_CHECK(nets.size() == model_.network_names().size(),
            path << ": an exact resume needs every network's weights; the file holds " << nets.size() << " of "
                 << model_.network_names().size());
}

void ScaFamily::save(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& extra,
                     const std::map<std::string, std::string>& metadata) const {
  std::map<std::string, std::string> meta = metadata;
  auto stage = metadata.find("stage"), step = metadata.find("step");
  if (stage != metadata.end()) {
    const ScaPhase p = sca_stage_phase(stage->second);
    meta["phase"] = sca_phase_name(p);
    if (step != metadata.end()) {
      const int64_t done = std::stoll(step->second), ipe = iterations_per_epoch(p);
      meta["epoch"] = std::to_string(std::max<int64_t>(1, (done + ipe - 1) / ipe));
    }
  }
  save_sca_checkpoint(path, model_, {}, extra, meta);
}

}  // namespace dpt
