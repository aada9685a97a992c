// The generic training loop (see trainer.h). Note [resume]: batches are functions of (seed, stage, step),
// weights and Adam moments are saved as float32 (the values themselves), so N steps + resume + N steps
// reproduce 2N uninterrupted steps bit for bit at the same thread count. (Our own kernels give the same
// bits at any thread count; OpenBLAS's threaded sgemm, behind Linear and the Gram matrices, does not, so
// stages that use those can differ in the last bits between thread counts: README, Training.)
// Data-parallel runs (Note [data parallel] in train/distributed.cpp): every rank runs this loop on its
// slice of each batch; rank 0 alone touches the run folder (lock, logs, checkpoints, samples, plots).
// Losses are averaged over ranks and a stop request is agreed on by one all-reduce per step.
#include "train/trainer.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "core/progress.h"
#include "io/json.h"
#include "ops/device.h"
#include "train/distributed.h"
#include "train/resume.h"
#include "train/run_folder.h"
#include "train/step.h"

namespace dpt {

namespace {

struct Run {
  const TrainOptions& opts;
  ModelFamily& family;
  RunFolder& folder;
  const std::atomic<bool>* stop;
  TrainResult result;
};

// Saves a training checkpoint of the stage at `step` and prunes the oldest beyond keep_last.
void save_training_checkpoint(Run& run, const std::string& stage, int64_t step, StageOptimisers& opt) {
  std::vector<std::pair<std::string, Tensor>> extra;
  for (auto& [name, adam] : opt.all())
    for (auto& kv : adam->state()) extra.push_back(kv);
  std::map<std::string, std::string> meta{{"step", std::to_string(step)},
                                          {"seed", std::to_string(run.opts.seed)},
                                          {"stage", stage},
                                          {"train_options", run.opts.to_json().dump()},
                                          {"world_size", std::to_string(dist::world_size())}};
  const std::string fingerprint = run.family.data_fingerprint();
  if (!fingerprint.empty()) meta["data_fingerprint"] = fingerprint;
  run.family.save(run.folder.checkpoint_path(stage, step), extra, meta);
  run.folder.rotate(run.opts.keep_last);
}

// Runs one stage from `from` (resume) or from step 0; returns false when stopped by a signal.
bool run_stage(Run& run, const std::string& stage, const ResumePoint* from) {
  ModelFamily& family = run.family;
  const TrainOptions& opts = run.opts;
  const int64_t total = family.stage_steps(stage);
  const std::vector<OptimiserGroup> groups = family.optimiser_groups(stage);
  StageOptimisers opt(groups);
  // Data-parallel: every optimiser's gradients are averaged over the ranks before its update.
  std::vector<std::vector<Tensor>> reduced;
  for (const auto& g : groups) {
    reduced.emplace_back();
    for (const auto& kv : g.params) reduced.back().push_back(kv.second);
  }
  dist::GradReducer reducer(reduced);
  if (dist::world_size() > 1)
    for (auto& [name, adam] : opt.all()) adam->set_before_step([&reducer] { reducer.finish(); });
  const bool root = dist::is_root();
  int64_t step = 0;
  if (from) {
    step = from->step;
    const auto state = from->optimiser_state();
    for (auto& [name, adam] : opt.all()) adam->load_state(state, step, from->path);
  }
  family.set_stage_modes(stage);

  if (root)
    std::fprintf(stderr, "== stage %s: %lld steps, %s%s\n", stage.c_str(), static_cast<long long>(total),
                 family.describe_stage(stage).c_str(),
                 dist::world_size() > 1 ? ("; each batch split over " + std::to_string(dist::world_size()) + " ranks").c_str() : "");
  Progress progress(stage, total, family.batch_size(stage), opts.log_every);
  progress.set_enabled(root);
  while (step < total) {
    for (size_t i = 0; i < groups.size(); ++i)
      opt.all()[i].second->set_lr(family.learning_rate(stage, groups[i], step, total));
    std::unique_ptr<StageBatch> batch = family.batch(stage, step);
    LossValues losses;
    reducer.begin_step();
    try {
      losses = family.step(stage, *batch, opt);
    } catch (const NonFiniteLoss& e) {
      DPT_FAIL("non-finite loss in stage " << stage << " at step " << step + 1 << " " << e.what()
                                           << ": stopping; the last checkpoint in " << run.folder.checkpoints_dir()
                                           << " is intact");
    }
    ++step;
    ++run.result.steps_run;
    // One all-reduce per step: the losses' mean over ranks and whether any rank was asked to stop.
    bool stopping = run.stop && run.stop->load();
    if (dist::world_size() > 1) {
      std::vector<double> v;
      for (auto& kv : losses) v.push_back(kv.second);
      v.push_back(stopping ? 1 : 0);
      dist::allreduce_sum(v);
      for (size_t i = 0; i < losses.size(); ++i) losses[i].second = v[i] / dist::world_size();
      stopping = v.back() > 0;
    }
    if (!root) {
      if (stopping) return false;
      continue;
    }
    Json rec = Json::object();
    rec.set("stage", stage);
    rec.set("step", step);
    for (auto& [k, v] : losses) rec.set(k, std::isfinite(v) ? Json(v) : Json());
    rec.set("time", progress.elapsed_seconds());
    run.folder.append_loss(rec);
    progress.update(step, losses);
    if (family.has_samples(stage) && (step % opts.sample_every == 0 || step == total))
      family.write_samples(run.folder.samples_dir() + "/" + stage + "-" + std::to_string(step) + ".png", stage, *batch);
    if (step % opts.checkpoint_every == 0 || step == total || stopping) save_training_checkpoint(run, stage, step, opt);
    if (stopping) {
      progress.finish();
      const std::string at = run.folder.checkpoint_path(stage, step);
      std::fprintf(stderr, "interrupted: checkpoint saved at %s; resume with --resume %s\n", at.c_str(), at.c_str());
      return false;
    }
  }
  progress.finish();
  run.result.seconds += progress.elapsed_seconds();
  if (root && dist::world_size() > 1 && run.result.steps_run > 0) {
    const auto [early, all] = dist::buckets_started_early();
    std::fprintf(stderr,
                 "gradient all-reduce (%s): %.1f ms per step spent waiting on rank 0; %lld of %lld bucket "
                 "all-reduces started during the backward pass\n",
                 dist::gradient_transport(), 1e3 * dist::allreduce_wait_seconds() / static_cast<double>(run.result.steps_run),
                 static_cast<long long>(early), static_cast<long long>(all));
  }
  if (!root) return true;
  run.folder.write_loss_plot(stage, family.plotted_losses(stage));  // from losses.jsonl: the whole stage, also after a resume
  family.save(run.folder.weights_path(stage), {}, {});  // weights after each stage
  return true;
}

}  // namespace

std::string latest_checkpoint(const std::string& out_dir, const ModelFamily& family) {
  return RunFolder::open(out_dir, family.stages()).latest_checkpoint();
}

TrainResult train(const TrainOptions& opts, ModelFamily& family, const std::string& resume, const std::atomic<bool>* stop,
                  RunStart::Mode existing) {
  // Checks first: nothing is written to the run folder until every one has passed.
  opts.validate();
  DPT_CHECK(opts.family == family.name(), "options name the model family '" << opts.family << "' but the trainer got '"
                                                                             << family.name() << "'");
  const std::vector<std::string> stages = family.select_stages(opts.stages);
  const int world = dist::world_size();
  family.set_shard(dist::rank(), world);
  for (const std::string& stage : stages)
    DPT_CHECK(family.batch_size(stage) % world == 0,
              "stage " << stage << ": the batch " << family.batch_size(stage) << " (the global batch) cannot be split over "
                       << world << " ranks; choose a batch that " << world << " divides");
  RunFolder folder = RunFolder::open(opts.out, family.stages());
  const Device device = use_device(dist::rank_device(opts.device));  // several ranks: "cuda" is cuda:<local rank>
  set_conv_backend(opts.conv_backend);
  family.to(device);
  // --init: weights only (a fine-tune with other settings); the shapes must match, nothing else need.
  if (!opts.init.empty()) {
    DPT_CHECK(resume.empty(), "--init and --resume exclude each other (resume restores the weights itself)");
    family.init_from(opts.init);
  }
  // Resume: weights always; optimiser moments and the step when the checkpoint is inside a stage we run.
  ResumePoint from;
  if (!resume.empty()) {
    from = open_resume(resume, opts, family);
    family.load_weights(*from.file, resume);
    if (dist::is_root())
      std::fprintf(stderr, "resuming from %s (stage %s, step %lld)\n", resume.c_str(), from.stage.c_str(),
                   static_cast<long long>(from.step));
    auto saved = from.file->metadata().find("world_size");
    const std::string then = saved == from.file->metadata().end() ? "1" : saved->second;
    if (dist::is_root() && then != std::to_string(world))
      std::fprintf(stderr, "note: the checkpoint was written by a run of %s rank(s), this one has %d: the batches "
                           "are the same, the sums' order differs, so the run continues closely but not bit for bit\n",
                   then.c_str(), world);
  }
  // Every rank starts from rank 0's weights (the same seed draws the same ones; this makes it certain).
  if (world > 1) {
    std::vector<Tensor> params;
    std::set<TensorImpl*> seen;  // stages share networks (blending trains the earlier generators)
    for (const std::string& stage : stages)
      for (const auto& g : family.optimiser_groups(stage))
        for (const auto& kv : g.params)
          if (seen.insert(kv.second.get()).second) params.push_back(kv.second);
    dist::broadcast(params);
  }
  if (dist::is_root()) {
    folder.prepare(from.active() ? RunStart::resume_at(from.stage, from.step) : RunStart{existing, "", 0});
    folder.write_config(opts.to_json());
  }

  Run run{opts, family, folder, stop, {}};
  for (const std::string& stage : stages) {
    if (from.active() && family.stage_index(stage) < family.stage_index(from.stage)) continue;
    const bool inside = from.active() && stage == from.stage;
    if (!run_stage(run, stage, inside ? &from : nullptr)) {
      run.result.interrupted = true;
      return run.result;
    }
    from = ResumePoint{};  // later stages start fresh
  }
  run.result.final_checkpoint = folder.weights_path("model");
  if (dist::is_root()) family.save(run.result.final_checkpoint, {}, {});
  return run.result;
}

}  // namespace dpt
