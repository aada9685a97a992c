// Checkpoint I/O shared by the model families: plain safetensors, one tensor per parameter or buffer
// under its dotted module name (PyTorch's state_dict names), F32, and string metadata. "family" names the model family that wrote the file
// (absent: "dpt", the only family of older files and of the PyTorch reference's checkpoints).
#pragma once
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "io/safetensors.h"
#include "layers/module.h"

namespace dpt {

// The "family" metadata of a checkpoint ("dpt" when absent).
std::string checkpoint_family(const SafetensorsFile& file);
// Throws naming the file and both families unless the checkpoint belongs to `family`.
void require_family(const SafetensorsFile& file, const std::string& path, const std::string& family);

// Copies the file's tensors into `module`'s parameters and buffers: strict (missing ones, unknown tensors
// and wrong shapes are reported by name, with `what`), except for the tensors `skip` returns true for.
// A NaN or Inf value is refused naming the file and tensor (SafetensorsFile::finite_tensor).
void load_module_weights(Module& module, const SafetensorsFile& file, const std::string& what,
                         const std::function<bool(const std::string&)>& skip);

// Writes every parameter and buffer of `module` as F32 (state_dict order) plus `extra` tensors (e.g.
// optimiser moments), with `metadata` and "family". Atomic (temporary file + rename), with the CRC32C
// of the tensor data ("dpt_crc32c", Note [checkpoint checksum] in io/safetensors.h) verified on read.
void save_module_checkpoint(const std::string& path, const Module& module, const std::string& family,
                            const std::vector<std::pair<std::string, Tensor>>& extra,
                            std::map<std::string, std::string> metadata);

}  // namespace dpt
