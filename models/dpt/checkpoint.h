// DPT checkpoints (docs/dpt.md section 8) over the shared checkpoint I/O (models/checkpoint.h): tensors
// named by parameter (pred.*, inpaint.*, blend.*, disc.*), metadata "dpt_config" = the Config as JSON and
// "family" = "dpt" (absent in the reference's files: dpt). Training checkpoints add adam.m.<param> /
// adam.v.<param> tensors and step/seed/stage/train_options metadata; inference reads weights only.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/safetensors.h"
#include "models/dpt/dpt.h"

namespace dpt {

inline const char* const kDptFamily = "dpt";  // the checkpoints' "family" metadata

struct Checkpoint {
  std::string path;
  Config cfg;            // parsed from the dpt_config metadata
  SafetensorsFile file;  // every tensor and the metadata
};

// Reads a checkpoint; an error names the file when it is unreadable, of another family or has no valid
// dpt_config.
Checkpoint read_checkpoint(const std::string& path);

// Copies the checkpoint's weights into `model` (whose config must equal the checkpoint's network
// shapes). adam.* entries are ignored, and so are disc.* when the model has no discriminator. Strict
// otherwise: missing parameters, unknown tensors and wrong shapes are reported by name.
void load_weights(DensePoseTransfer& model, const Checkpoint& ck);

// A model built from the checkpoint's config with its weights; with_disc = false for inference.
std::unique_ptr<DensePoseTransfer> load_model(const Checkpoint& ck, bool with_disc = true);
std::unique_ptr<DensePoseTransfer> load_model(const std::string& path, bool with_disc = true);

// Writes every parameter as F32 (in registration order) plus `extra` tensors (e.g. adam.m.<param>), with
// metadata dpt_config, family "dpt" and `extra_metadata` (e.g. step, seed, stage). Atomic (temporary file + rename).
void save_checkpoint(const std::string& path, const DensePoseTransfer& model,
                     const std::vector<std::pair<std::string, Tensor>>& extra = {},
                     const std::map<std::string, std::string>& extra_metadata = {});

}  // namespace dpt
