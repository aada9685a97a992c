// Training options: one flat JSON object (configs/*.json presets, `--set key=value` overrides, the run
// folder's config.json, the checkpoints' train_options) read into parts that each declare their fields
// once (Note [config fields] in models/config_fields.h):
//   the model family's configuration (DPT: Config = model shape, loss weights, optimiser, data parts),
//   ResultSettings   other settings that change the numbers (family, seed, the VGG19 features),
//   DptSchedule      how long each stage runs (a resume may extend it),
//   RunSettings      where and how it runs (paths, device, threads, logging, checkpoint cadence).
// An exact resume must match every field whose part changes results (resume_differences).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/json.h"
#include "models/config_fields.h"
#include "models/dpt/config.h"
#include "models/sca/config.h"

namespace dpt {

struct ResultSettings {
  std::string family = "dpt";    // the model family trained (the checkpoints' "family")
  uint64_t seed = 0;             // weight init and batch order
  std::string vgg = "";          // VGG19 weights (.safetensors); "random" for random features on purpose
  int64_t vgg_width_div = 1;     // "random" only: every VGG19 width divided by this (cheaper features)

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::Results;
    v(P, "family", family, Choices{"dpt", "sca"});
    v(P, "seed", seed, IntRange{0});
    v(P, "vgg", vgg, Choices{});
    v(P, "vgg_width_div", vgg_width_div, IntRange{1, 64});
  }
};

// DPT's stage lengths (docs/dpt.md section 6).
struct DptSchedule {
  std::string stages = "all";    // predictive | inpainting | blending | all | comma-separated list
  int64_t predictive_steps = 1000, inpainting_steps = 1000, blending_steps = 1000;
  double epochs = 0;             // > 0: every stage runs this many passes over its items instead

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::Schedule;
    const IntRange steps{0, int64_t(1) << 40};
    v(P, "stages", stages, Choices{});
    v(P, "predictive_steps", predictive_steps, steps);
    v(P, "inpainting_steps", inpainting_steps, steps);
    v(P, "blending_steps", blending_steps, steps);
    v(P, "epochs", epochs, NumRange{0.0, 1e6});
  }
};

struct RunSettings {
  std::string data = "";         // dataset root (docs/dpt.md section 7)
  std::string out = "runs/dpt";  // run folder: checkpoints, logs, samples, plots
  std::string init = "";         // start from these weights (a checkpoint or model.safetensors)
  std::string device = "cpu";
  std::string conv_backend = "native";  // CUDA convolutions: native (tested) or cudnn
  int64_t threads = 0;           // 0: all cores
  int64_t sample_every = 200, checkpoint_every = 500, keep_last = 3, log_every = 10;
  std::string preset = "";       // name of the preset it started from (informational)

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::Run;
    const IntRange every{1, int64_t(1) << 40};
    v(P, "data", data, Choices{});
    v(P, "out", out, Choices{});
    v(P, "init", init, Choices{});
    v(P, "device", device, Choices{});
    v(P, "conv_backend", conv_backend, Choices{"native", "cudnn"});
    v(P, "threads", threads, IntRange{0, 256});  // the tools' cap (tools/common/cli.h kMaxThreads)
    v(P, "sample_every", sample_every, every);
    v(P, "checkpoint_every", checkpoint_every, every);
    v(P, "keep_last", keep_last, every);
    v(P, "log_every", log_every, every);
    v(P, "preset", preset, Choices{});
  }
};

// The SCA-GAN family's data settings beyond its sca_config (train/sca_data_source.h).
struct ScaDataSettings {
  std::string edges = "auto";  // edge maps: files (<root>/trainE/diff), xdog (computed), auto (files if present)

  template <class V>
  void visit_fields(V& v) {
    v(ConfigPart::Data, "edges", edges, Choices{"auto", "files", "xdog"});
  }
};

struct TrainOptions : ResultSettings, DptSchedule, RunSettings, ScaDataSettings, DptRecompute {
  Config model;                  // the DPT family's configuration (the checkpoints' dpt_config)
  ScaConfig sca;                 // the SCA-GAN family's configuration (the checkpoints' sca_config)

  // The generic parts and the parts of `family` only: "family" is visited first, so that a JSON object
  // naming another family is read with that family's keys (its parts join here, e.g. an SCA config and
  // schedule; keys such as H, W, lr may then mean that family's fields).
  template <class V>
  void visit_fields(V& v) {
    ResultSettings::visit_fields(v);
    if (family == "dpt") {
      model.visit_fields(v);
      DptSchedule::visit_fields(v);
      DptRecompute::visit_fields(v);  // a Run field (models/dpt/config.h)
    }
    if (family == "sca") {  // phases pctnet, isnet; their lengths are sca_config's niter fields
      sca.visit_fields(v);
      ScaDataSettings::visit_fields(v);
      v(ConfigPart::Schedule, "stages", stages, Choices{});
    }
    RunSettings::visit_fields(v);
  }
  std::vector<ConfigField> fields() const { return list_fields(*this); }

  Json to_json() const;          // every field, for the run folder and checkpoints
  // Overlays the fields present in obj. Unknown keys are refused (naming `what` and the closest valid
  // key) unless allow_unknown (checkpoint metadata written by other versions).
  void update_from_json(const Json& obj, const std::string& what, bool allow_unknown = false);
  void set(const std::string& key_value);  // "key=value" (value parsed as JSON, else as a string)
  void validate() const;         // every field's range and the cross-field rules
};

// "key a -> b" for every field that changes results (its part: model, loss, optimiser, data, results)
// and differs between the checkpoint's options and this run's; "" when an exact resume is possible.
std::string resume_differences(const TrainOptions& checkpoint, const TrainOptions& run);

// Reads a config file (JSON object) into options on top of the defaults. Errors name the file; unknown
// keys are refused like unknown --set keys.
TrainOptions load_train_options(const std::string& path);
// configs/<name>.json of the source tree (tiny, cpu, paper), or a path.
std::string preset_path(const std::string& name_or_path);

}  // namespace dpt
