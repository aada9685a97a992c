// dpt-train: the staged trainer's command line (options in train/options.h, loop in train/trainer.h).
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/threading.h"
#include "tools/common/cli.h"
#include "train/distributed.h"
#include "train/dpt_family.h"
#include "train/folder_data.h"
#include "train/sca_data_source.h"
#include "train/sca_family.h"
#include "train/run_folder.h"
#include "train/trainer.h"

using namespace dpt;

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) {
  if (g_stop.exchange(true)) std::_Exit(130);  // a second Ctrl-C leaves at once
}

const char* kUsage = R"(usage: dpt-train --data DIR [options]

Trains Dense Pose Transfer in stages (docs/dpt.md section 6): predictive -> inpainting -> blending,
or with --model sca SCA-GAN in two phases (docs/sca.md section 5): pctnet -> isnet.

  --model dpt|sca      the model family; sca reads configs/sca/NAME.json presets             [dpt]
                       (a config file naming "family" picks it too)
  --preset NAME|FILE   start from configs/NAME.json (tiny, cpu, paper) or a JSON config file  [cpu]
  --data DIR           dataset root: DIR/train, DIR/train_iuv, DIR/pairs-train.csv, DIR/persons-train.csv
  --split NAME         split to train on                                                   [train]
  --out DIR            run folder: checkpoints/, samples/, plots/, losses.jsonl, model.safetensors
  --stages LIST        predictive | inpainting | blending | all | comma-separated list    [all]
                       (sca: pctnet | isnet | all; pct and isn are accepted for them)
  --steps N            steps for every stage (replaces the preset's per-stage counts and epochs; dpt only)
  --epochs E           passes over the data per stage instead of step counts (dpt only; sca: the
                       sca_config fields pct_niter, pct_niter_decay, isn_niter, isn_niter_decay, epoch_size)
  --vgg FILE|random    VGG19 weights for the perceptual/style losses (README: conversion); 'random'
                       uses random features on purpose; a missing file turns those losses off
  --device cpu|cuda[:N]
  --conv-backend native|cudnn   CUDA convolution kernels (native: the tested default)
  --threads N          CPU threads, 0..256 (default: the config's threads, else DPT_THREADS, else all)
  --seed N             weight init and batch order
  --iuv-order bgr|rgb|auto   channel order of the IUV PNGs                                 [bgr]
  --edges auto|files|xdog    sca: edge maps from DIR/trainE/diff (dpt-edges) or computed by XDoG [auto]
  --resume FILE|auto   continue a run exactly from a training checkpoint (auto: newest intact in --out)
  --overwrite          replace the run in --out (deletes its checkpoints, logs, samples, plots, weights);
                       without it (or --resume) a non-empty run folder is refused
  --init FILE          start from the weights of FILE (checkpoint or model.safetensors; same network
                       shapes, other settings allowed), e.g. --stages blending --init run/model.safetensors
  --set KEY=VALUE      override any config field (e.g. --set lambda_gan=0.2 --set sample_every=50)
  --print-config       print the resolved configuration as JSON and exit
  -h, --help

Ctrl-C saves a checkpoint and exits with status 130; a non-finite loss stops with the last checkpoint intact.
`mpirun -np N dpt-train ...` (or srun) trains on N data-parallel ranks: the batch stays the global batch
(N must divide it), rank 0 writes the run folder (README: Training on several GPUs or machines).
)";

using cli::Args;
using cli::Kind;

const std::vector<cli::Option> kOptions = {
    {"--model"},  {"--preset"}, {"--config"}, {"--data"},   {"--split"},        {"--out"},   {"--stages"},
    {"--steps"},  {"--epochs"}, {"--vgg"},    {"--device"}, {"--conv-backend"}, {"--threads"}, {"--seed"},
    {"--iuv-order"}, {"--edges"}, {"--resume"}, {"--overwrite", Kind::Flag}, {"--init"}, {"--set", Kind::Repeated},
    {"--print-config", Kind::Flag}};

// The config fields the options set, in command-line order (a later one wins). Numbers are checked here,
// so that an error names the flag, in the ranges of their config fields (train/options.h), which check
// them again like every --set.
std::vector<std::pair<std::string, std::string>> config_overrides(const Args& a) {
  static const std::vector<std::pair<std::string, std::string>> kField = {
      {"--data", "data"},   {"--out", "out"},       {"--stages", "stages"}, {"--vgg", "vgg"},
      {"--device", "device"}, {"--conv-backend", "conv_backend"}, {"--threads", "threads"}, {"--seed", "seed"},
      {"--epochs", "epochs"}, {"--init", "init"},   {"--edges", "edges"}};
  std::vector<std::pair<std::string, std::string>> sets;
  for (const auto& [flag, value] : a.given()) {
    if (flag == "--steps") {
      const std::string n = std::to_string(cli::parse_int(flag, value, 0, int64_t(1) << 40));
      for (const char* k : {"predictive_steps", "inpainting_steps", "blending_steps"}) sets.push_back({k, n});
      sets.push_back({"epochs", "0"});  // step counts replace a preset's epochs (paper: 40)
    } else if (flag == "--set") {
      const size_t eq = value.find('=');
      DPT_USAGE_CHECK(eq != std::string::npos && eq > 0, "--set: expected KEY=VALUE, got '" << value << "'");
      sets.push_back({value.substr(0, eq), value.substr(eq + 1)});
    } else {
      for (const auto& [f, key] : kField)
        if (f == flag) {
          if (flag == "--threads") cli::parse_int(flag, value, 0, cli::kMaxThreads);
          if (flag == "--seed") cli::parse_int(flag, value, 0, INT64_MAX);
          if (flag == "--epochs") cli::parse_real(flag, value, 0, 1e6);
          sets.push_back({key, value});
        }
    }
  }
  return sets;
}

// Resolves --resume auto, reports what trains (rank 0), trains until done or Ctrl-C (exit status 130).
int train_family(const TrainOptions& opts, ModelFamily& family, std::string resume, RunStart::Mode existing,
                 const std::string& what) {
  if (resume == "auto") {
    resume = latest_checkpoint(opts.out, family);
    if (resume.empty()) std::fprintf(stderr, "--resume auto: no checkpoint in %s/checkpoints, starting fresh\n", opts.out.c_str());
  }
  const std::string ranks = dist::world_size() > 1 ? " x " + std::to_string(dist::world_size()) + " ranks" : "";
  if (dist::is_root())
    std::fprintf(stderr, "dpt-train: %s; %d threads%s; run folder %s\n", what.c_str(), num_threads(), ranks.c_str(),
                 opts.out.c_str());
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  TrainResult r = train(opts, family, resume, &g_stop, existing);
  if (r.interrupted) return 130;
  if (dist::is_root())
    std::fprintf(stderr, "done: %lld steps in %.1f s; weights in %s\n", static_cast<long long>(r.steps_run), r.seconds,
                 r.final_checkpoint.c_str());
  return 0;
}

int run(const Args& a) {
  const int default_threads = cli::threads_option(a);  // --threads, else DPT_THREADS: checked first
  DPT_USAGE_CHECK(!(a.has("--preset") && a.has("--config")), "--preset and --config are one option: give one");
  std::string preset = a.get("--preset", a.get("--config", "cpu")), resume = a.get("--resume");
  const std::string split = a.get("--split", "train");
  const std::string order = a.get_choice("--iuv-order", {"bgr", "rgb", "auto"}, "bgr");
  const std::string model = a.get_choice("--model", {"dpt", "sca"}, "");
  const bool print_config = a.has("--print-config"), overwrite = a.has("--overwrite");
  const std::vector<std::pair<std::string, std::string>> sets = config_overrides(a);
  // SCA-GAN presets live in configs/sca/ (a path to a file is used as it is).
  if (model == "sca" && preset.find('/') == std::string::npos && preset.find('.') == std::string::npos)
    preset = "sca/" + preset;
  TrainOptions opts = load_train_options(preset_path(preset));
  if (!model.empty() && opts.family != model)
    throw cli::UsageError("--model " + model + " but the config " + preset_path(preset) +
                          " is for the model family '" + opts.family + "'");
  for (auto& [k, v] : sets) {
    if (opts.family == "sca" && (k == "epochs" || k == "predictive_steps"))
      throw cli::UsageError("--steps and --epochs are DPT options; an SCA-GAN phase runs (niter + niter_decay) "
                            "epochs of ceil(epoch_size / batch) iterations: --set pct_niter=N, --set epoch_size=N, ...");
    if (opts.family != "sca" && k == "edges") throw cli::UsageError("--edges is an SCA-GAN option (--model sca)");
    try {
      opts.set(k + "=" + v);
    } catch (const cli::UsageError&) {
      throw;
    } catch (const Error& e) {  // a value the config refuses: still the command line's fault
      throw cli::UsageError(e.what());
    }
  }
  if (opts.family == "sca") opts.stages = sca_stage_list(opts.stages);
  if (print_config) {
    std::printf("%s\n", opts.to_json().dump().c_str());
    return 0;
  }
  opts.validate();
  DPT_USAGE_CHECK(!(overwrite && !resume.empty()), "--overwrite and --resume exclude each other");
  // Refuse a locked or (without --resume / --overwrite) non-empty run folder before the slow set-up.
  const RunStart::Mode existing = !resume.empty() ? RunStart::Continue : overwrite ? RunStart::Overwrite : RunStart::Fresh;
  if (dist::is_root()) RunFolder::precheck(opts.out, existing);  // rank 0 alone holds the run folder
  set_num_threads(opts.threads > 0 ? static_cast<int>(opts.threads) : default_threads);
  if (opts.family == "sca") {
    const ScaFolderOptions so = sca_folder_options(opts, split);
    ScaFolderData data(so);
    ScaFamily family(opts, data);
    return train_family(opts, family, resume, existing,
                        "SCA-GAN, " + std::to_string(data.num_pairs()) + " pairs from " + opts.data + " (edges " +
                            (data.edges_from_files() ? "from files" : "by XDoG") + ")");
  }
  FolderDataOptions fo;
  fo.root = opts.data;
  fo.split = split;
  fo.H = opts.model.H;
  fo.W = opts.model.W;
  fo.batch = opts.model.batch;
  fo.K = opts.model.K;
  fo.order = parse_iuv_order(order);
  FolderData data(fo);
  DptFamily family(opts, data);
  return train_family(opts, family, resume, existing,
                      std::to_string(data.num_pairs()) + " pairs, " + std::to_string(data.num_persons()) +
                          " persons from " + opts.data);
}

}  // namespace

// `mpirun -np N dpt-train ...` runs N data-parallel ranks (train/distributed.h). A failure on one rank
// stops the whole job (MPI_Abort) so that no rank waits forever in a collective; rank 0's last
// checkpoint is intact (checkpoints are written atomically).
int main(int argc, char** argv) {
  use_bounded_wait_policy(argv);  // Note [wait policy] (core/threading.h): before any thread or MPI starts
  try {
    dist::init(&argc, &argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dpt-train: error: %s\n", e.what());
    return 1;
  }
  const int code = cli::run("dpt-train", kUsage, argc, argv, kOptions, 0, run);
  if (code != 0 && code != 130 && dist::world_size() > 1) {
    std::fprintf(stderr, "dpt-train: rank %d of %d failed: stopping every rank\n", dist::rank(), dist::world_size());
    dist::abort_all(code);
  }
  dist::finalize();
  return code;
}
