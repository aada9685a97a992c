// dpt-train: the staged trainer's command line (options in train/options.h, loop in train/trainer.h).
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/threading.h"
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

Trains Dense Pose Transfer in stages (ARCHITECTURE.md section 6): predictive -> inpainting -> blending,
or with --model sca SCA-GAN in two phases (SCA.md section 5): pctnet -> isnet.

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
  --threads N          CPU threads (default: all cores, or DPT_THREADS)
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

Ctrl-C saves a checkpoint and exits; a non-finite loss stops with the last checkpoint intact.
)";
}  // namespace

int main(int argc, char** argv) {
  try {
    std::string preset = "cpu", resume, split = "train", order = "bgr", model;
    bool print_config = false, overwrite = false;
    std::vector<std::pair<std::string, std::string>> sets;
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw Error(a + " needs a value (see --help)");
        return argv[++i];
      };
      if (a == "-h" || a == "--help") {
        std::fputs(kUsage, stdout);
        return 0;
      } else if (a == "--preset" || a == "--config") preset = value();
      else if (a == "--data") sets.push_back({"data", value()});
      else if (a == "--out") sets.push_back({"out", value()});
      else if (a == "--stages") sets.push_back({"stages", value()});
      else if (a == "--vgg") sets.push_back({"vgg", value()});
      else if (a == "--device") sets.push_back({"device", value()});
      else if (a == "--conv-backend") sets.push_back({"conv_backend", value()});
      else if (a == "--threads") sets.push_back({"threads", value()});
      else if (a == "--seed") sets.push_back({"seed", value()});
      else if (a == "--epochs") sets.push_back({"epochs", value()});
      else if (a == "--steps") {
        std::string n = value();
        for (const char* k : {"predictive_steps", "inpainting_steps", "blending_steps"}) sets.push_back({k, n});
        sets.push_back({"epochs", "0"});  // step counts replace a preset's epochs (paper: 40)
      } else if (a == "--set") {
        std::string kv = value();
        size_t eq = kv.find('=');
        sets.push_back({kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1)});
      } else if (a == "--resume") resume = value();
      else if (a == "--init") sets.push_back({"init", value()});
      else if (a == "--split") split = value();
      else if (a == "--model") model = value();
      else if (a == "--edges") sets.push_back({"edges", value()});
      else if (a == "--iuv-order") order = value();
      else if (a == "--print-config") print_config = true;
      else if (a == "--overwrite") overwrite = true;
      else throw Error("unknown option '" + a + "' (see --help)");
    }
    if (!model.empty() && model != "dpt" && model != "sca")
      throw Error("--model must be dpt or sca, got '" + model + "'");
    // SCA-GAN presets live in configs/sca/ (a path to a file is used as it is).
    if (model == "sca" && preset.find('/') == std::string::npos && preset.find('.') == std::string::npos)
      preset = "sca/" + preset;
    TrainOptions opts = load_train_options(preset_path(preset));
    if (!model.empty() && opts.family != model)
      throw Error("--model " + model + " but the config " + preset_path(preset) + " is for the model family '" +
                  opts.family + "'");
    for (auto& [k, v] : sets) {
      if (opts.family == "sca" && (k == "epochs" || k == "predictive_steps"))
        throw Error("--steps and --epochs are DPT options; an SCA-GAN phase runs (niter + niter_decay) epochs of "
                    "ceil(epoch_size / batch) iterations: --set pct_niter=N, --set epoch_size=N, ...");
      if (opts.family != "sca" && k == "edges") throw Error("--edges is an SCA-GAN option (--model sca)");
      opts.set(k + "=" + v);
    }
    if (opts.family == "sca") opts.stages = sca_stage_list(opts.stages);
    if (print_config) {
      std::printf("%s\n", opts.to_json().dump().c_str());
      return 0;
    }
    opts.validate();
    if (overwrite && !resume.empty()) throw Error("--overwrite and --resume exclude each other");
    // Refuse a locked or (without --resume / --overwrite) non-empty run folder before the slow set-up.
    const RunStart::Mode existing = !resume.empty() ? RunStart::Continue : overwrite ? RunStart::Overwrite : RunStart::Fresh;
    RunFolder::precheck(opts.out, existing);
    set_num_threads(static_cast<int>(opts.threads));
    if (opts.family == "sca") {
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
      ScaFolderData data(so);
      ScaFamily family(opts, data);
      if (resume == "auto") {
        resume = latest_checkpoint(opts.out, family);
        if (resume.empty()) std::fprintf(stderr, "--resume auto: no checkpoint in %s/checkpoints, starting fresh\n", opts.out.c_str());
      }
      std::fprintf(stderr, "dpt-train: SCA-GAN, %lld pairs from %s (edges %s); %d threads; run folder %s\n",
                   static_cast<long long>(data.num_pairs()), opts.data.c_str(),
                   data.edges_from_files() ? "from files" : "by XDoG", num_threads(), opts.out.c_str());
      std::signal(SIGINT, on_signal);
      std::signal(SIGTERM, on_signal);
      TrainResult r = train(opts, family, resume, &g_stop, existing);
      if (r.interrupted) return 130;
      std::fprintf(stderr, "done: %lld steps in %.1f s; weights in %s\n", static_cast<long long>(r.steps_run), r.seconds,
                   r.final_checkpoint.c_str());
      return 0;
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
    if (resume == "auto") {
      resume = latest_checkpoint(opts.out, family);
      if (resume.empty()) std::fprintf(stderr, "--resume auto: no checkpoint in %s/checkpoints, starting fresh\n", opts.out.c_str());
    }
    std::fprintf(stderr, "dpt-train: %lld pairs, %lld persons from %s; %d threads; run folder %s\n",
                 static_cast<long long>(data.num_pairs()), static_cast<long long>(data.num_persons()),
                 opts.data.c_str(), num_threads(), opts.out.c_str());
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    TrainResult r = train(opts, family, resume, &g_stop, existing);
    if (r.interrupted) return 130;
    std::fprintf(stderr, "done: %lld steps in %.1f s; weights in %s\n", static_cast<long long>(r.steps_run), r.seconds,
                 r.final_checkpoint.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dpt-train: error: %s\n", e.what());
    return 1;
  }
}
