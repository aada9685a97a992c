// The staged training loop (see trainer.h). Note [resume]: batches are functions of (seed, stage, step),
// weights and Adam moments are saved as float32 (the values themselves), so N steps + resume + N steps
// reproduce 2N uninterrupted steps bit for bit at a fixed thread count.
#include "train/trainer.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>

#include "core/rng.h"
#include "io/json.h"
#include "models/dpt/checkpoint.h"
#include "models/vgg.h"
#include "ops/device.h"
#include "train/adam.h"
#include "train/plot.h"
#include "train/progress.h"
#include "train/run_folder.h"
#include "train/samples.h"
#include "train/step.h"

namespace dpt {

namespace {

uint64_t stage_salt(const std::string& stage) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : stage) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
  return h;
}

std::unique_ptr<VGG19Features> make_vgg(const TrainOptions& o, Generator& gen, bool& perceptual_on) {
  perceptual_on = true;
  if (o.vgg == "random") return VGG19Features::random(o.vgg_width_div, gen);
  struct stat st;
  if (o.vgg.empty() || stat(o.vgg.c_str(), &st) != 0) {
    std::fprintf(stderr,
                 "warning: VGG19 weights %s%s%s not found: the perceptual and style losses are OFF.\n"
                 "         Convert torchvision's vgg19 weights (see README) and pass --vgg FILE, or --vgg random.\n",
                 o.vgg.empty() ? "" : "'", o.vgg.c_str(), o.vgg.empty() ? "(none given)" : "'");
    perceptual_on = false;
    return nullptr;
  }
  return VGG19Features::from_file(o.vgg);
}

const std::vector<std::string> kDptStages = {"predictive", "inpainting", "blending"};
int stage_index(const std::string& s) {
  return static_cast<int>(std::find(kDptStages.begin(), kDptStages.end(), s) - kDptStages.begin());
}

}  // namespace

std::string latest_checkpoint(const std::string& out_dir) {
  return RunFolder::open(out_dir, kDptStages).latest_checkpoint();
}

TrainResult train(const TrainOptions& opts, DataSource& data, const std::string& resume, const std::atomic<bool>* stop) {
  opts.validate();
  const Config& cfg = opts.model;
  RunFolder f = RunFolder::open(opts.out, kDptStages);

  Generator gen(opts.seed);
  DensePoseTransfer model(cfg, gen);
  const Device device = use_device(opts.device);
  set_conv_backend(opts.conv_backend);
  bool perceptual_on = false;
  std::unique_ptr<VGG19Features> vgg;
  const auto stages = opts.stage_list();
  const bool needs_vgg = std::find(stages.begin(), stages.end(), "blending") != stages.end() || cfg.pred_lambda_p > 0;
  if (needs_vgg) vgg = make_vgg(opts, gen, perceptual_on);
  if (device.is_cuda()) {
    model.to(device);
    if (vgg) vgg->to(device);
  }

  // --init: weights only (a fine-tune with other settings); the shapes must match, nothing else need.
  if (!opts.init.empty()) {
    DPT_CHECK(resume.empty(), "--init and --resume exclude each other (resume restores the weights itself)");
    Checkpoint init = read_checkpoint(opts.init);
    const std::string diff = config_differences(init.cfg, cfg, /*shapes_only=*/true);
    DPT_CHECK(diff.empty(), opts.init << ": its networks have other shapes than this run's (" << diff << ")");
    load_weights(model, init);
    std::fprintf(stderr, "dpt-train: weights from %s\n", opts.init.c_str());
  }

  // Resume: weights always; Adam moments and the step when the checkpoint is inside a stage we run.
  std::string resume_stage;
  int64_t resume_step = 0;
  std::unique_ptr<Checkpoint> ck;
  if (!resume.empty()) {
    ck = std::make_unique<Checkpoint>(read_checkpoint(resume));
    DPT_CHECK(ck->cfg == cfg, resume << ": an exact resume needs the checkpoint's configuration, but "
                                     << config_differences(ck->cfg, cfg)
                                     << "; to start from its weights with new settings use --init");
    load_weights(model, *ck);
    auto it = ck->file.metadata().find("stage");
    auto st = ck->file.metadata().find("step");
    DPT_CHECK(it != ck->file.metadata().end() && st != ck->file.metadata().end(),
              resume << ": not a training checkpoint (no stage/step metadata); use it as weights with --init");
    resume_stage = it->second;
    resume_step = std::stoll(st->second);
    std::fprintf(stderr, "resuming from %s (stage %s, step %lld)\n", resume.c_str(), resume_stage.c_str(),
                 static_cast<long long>(resume_step));
  }

  f.prepare();
  f.write_config(opts.to_json());
  TrainResult result;
  for (const std::string& stage : stages) {
    if (!resume_stage.empty() && stage_index(stage) < stage_index(resume_stage)) continue;
    const int64_t items = stage == "inpainting" ? data.num_persons() : data.num_pairs();
    const int64_t total = opts.steps_for(stage, items);
    AdamHyper hyper{cfg.lr, cfg.beta1, cfg.beta2, cfg.adam_eps};
    // Fresh moments per stage (section 6); blending has one Adam for the generator and one for D.
    std::vector<std::pair<std::string, Tensor>> gparams;
    if (stage == "predictive") gparams = model.pred->named_parameters("pred.");
    else if (stage == "inpainting") gparams = model.inpaint->named_parameters("inpaint.");
    else gparams = model.named_generator_parameters();
    Adam opt_g(gparams, hyper);
    std::unique_ptr<Adam> opt_d;
    if (stage == "blending") opt_d = std::make_unique<Adam>(model.disc->named_parameters("disc."), hyper);
    int64_t step = 0;
    if (stage == resume_stage) {
      std::vector<std::pair<std::string, Tensor>> state;
      for (const std::string& n : ck->file.names())
        if (n.rfind("adam.", 0) == 0) state.emplace_back(n, ck->file.tensor(n));
      step = resume_step;
      opt_g.load_state(state, step, resume);
      if (opt_d) opt_d->load_state(state, step, resume);
    }

    auto save = [&](const std::string& path_name) {
      std::vector<std::pair<std::string, Tensor>> extra = opt_g.state();
      if (opt_d)
        for (auto& kv : opt_d->state()) extra.push_back(kv);
      std::map<std::string, std::string> meta{{"step", std::to_string(step)},
                                              {"seed", std::to_string(opts.seed)},
                                              {"stage", stage},
                                              {"train_options", opts.to_json().dump()}};
      save_checkpoint(path_name, model, extra, meta);
      f.rotate(opts.keep_last);
    };

    std::fprintf(stderr, "== stage %s: %lld steps, batch %lld, %lld %s\n", stage.c_str(), static_cast<long long>(total),
                 static_cast<long long>(cfg.batch), static_cast<long long>(items),
                 stage == "inpainting" ? "persons" : "pairs");
    Progress progress(stage, total, cfg.batch, opts.log_every);
    Curve c_main{stage == "blending" ? "loss_G" : "loss", {}, {}}, c_d{"loss_D", {}, {}};
    const uint64_t salt = stage_salt(stage) ^ opts.seed;
    while (step < total) {
      PairBatch pb;
      ViewBatch vb;
      if (stage == "inpainting") {
        vb = data.view_batch(salt, step);
        if (device.is_cuda()) vb = {vb.x_views.to(device), vb.iuv_views.to(device)};
      } else {
        pb = data.pair_batch(salt, step);
        if (device.is_cuda()) pb = {pb.x_s.to(device), pb.iuv_s.to(device), pb.iuv_t.to(device), pb.y.to(device)};
      }
      LossValues losses;
      try {
        losses = train_step(stage, model, perceptual_on ? vgg.get() : nullptr, opt_g, opt_d.get(), pb, vb);
      } catch (const NonFiniteLoss& e) {
        DPT_FAIL("non-finite loss in stage " << stage << " at step " << step + 1 << " " << e.what()
                                             << ": stopping; the last checkpoint in " << f.checkpoints_dir() << " is intact");
      }
      ++step;
      ++result.steps_run;
      Json rec = Json::object();
      rec.set("stage", stage);
      rec.set("step", step);
      for (auto& [k, v] : losses) rec.set(k, std::isfinite(v) ? Json(v) : Json());
      rec.set("time", progress.elapsed_seconds());
      f.append_loss(rec);
      c_main.steps.push_back(static_cast<double>(step));
      c_main.values.push_back(losses[0].second);
      if (stage == "blending") {
        c_d.steps.push_back(static_cast<double>(step));
        c_d.values.push_back(losses[1].second);
      }
      progress.update(step, losses);
      if (stage != "inpainting" && (step % opts.sample_every == 0 || step == total))
        write_sample_grid(f.samples_dir() + "/" + stage + "-" + std::to_string(step) + ".png", model, pb);
      const bool stopping = stop && stop->load();
      if (step % opts.checkpoint_every == 0 || step == total || stopping) save(f.checkpoint_path(stage, step));
      if (stopping) {
        progress.finish();
        const std::string at = f.checkpoint_path(stage, step);
        std::fprintf(stderr, "interrupted: checkpoint saved at %s; resume with --resume %s\n", at.c_str(), at.c_str());
        result.interrupted = true;
        return result;
      }
    }
    progress.finish();
    std::vector<Curve> curves{c_main};
    if (stage == "blending") curves.push_back(c_d);
    write_loss_plot_svg(f.plots_dir() + "/" + stage + ".svg", "stage " + stage, curves);
    result.seconds += progress.elapsed_seconds();
    save_checkpoint(f.weights_path(stage), model);  // weights after each stage
    resume_stage.clear();
  }
  result.final_checkpoint = f.weights_path("model");
  save_checkpoint(result.final_checkpoint, model);
  return result;
}

}  // namespace dpt
