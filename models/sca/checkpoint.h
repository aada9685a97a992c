// SCA-GAN checkpoints (docs/sca.md section 8) over the shared checkpoint I/O (models/checkpoint.h): tensors under the
// networks' names (pct.* with the BatchNorm running statistics, isn.*, pct_dpb.*, pct_dpp.*, isn_dpb.*,
// isn_dpp.*), metadata "sca_config" = ScaConfig as JSON and "family" = "sca". A file may hold any subset
// of the six networks (inference: pct + isn; phase 1: pct + its discriminators; ...): each network in the
// file is loaded strictly, the others keep their values. The reference's files (no "family") load as
// they are. Training checkpoints add adam.m.<param> / adam.v.<param> and step/epoch/seed/phase metadata.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/safetensors.h"
#include "models/sca/sca.h"

namespace dpt {

inline const char* const kScaFamily = "sca";  // the checkpoints' "family" metadata

struct ScaCheckpoint {
  std::string path;
  ScaConfig cfg;         // parsed from the sca_config metadata
  SafetensorsFile file;  // every tensor and the metadata
  // The networks the file holds weights for ("pct", "isn", "pct_dpb", ...), in ScaGan order.
  std::vector<std::string> networks() const;
};

// Reads a checkpoint; an error names the file when it is unreadable, has no valid sca_config or belongs
// to another family (a "family" other than "sca"; a file without "family" but with sca_config is the
// reference's and accepted).
ScaCheckpoint read_sca_checkpoint(const std::string& path);

// Copies the weights of every network present in the checkpoint into `model` (shapes from the same
// config). adam.* entries are ignored; discriminator tensors are skipped when the model has none.
// A tensor of no known network, or a network with missing, extra or mis-shaped tensors, is an error
// naming them. Returns the networks loaded.
std::vector<std::string> load_sca_weights(ScaGan& model, const ScaCheckpoint& ck);

// A model built from the checkpoint's config with the file's weights; networks the file lacks get the
// §3.4 initialisation from Generator(0). with_disc = false for inference (pct and isn must be in the file).
std::unique_ptr<ScaGan> load_sca_model(const ScaCheckpoint& ck, bool with_disc = true);
std::unique_ptr<ScaGan> load_sca_model(const std::string& path, bool with_disc = true);

// Writes the parameters and buffers of the networks `networks` (all of the model's when empty) as F32 in
// state-dict order, plus `extra` tensors, with metadata sca_config, family "sca" and `extra_metadata`.
// Atomic (temporary file + rename), with the shared checksum.
void save_sca_checkpoint(const std::string& path, const ScaGan& model, const std::vector<std::string>& networks = {},
                         const std::vector<std::pair<std::string, Tensor>>& extra = {},
                         const std::map<std::string, std::string>& extra_metadata = {});

}  // namespace dpt
