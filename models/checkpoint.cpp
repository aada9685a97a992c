// Shared checkpoint I/O (see checkpoint.h).
#include "models/checkpoint.h"

#include "core/autograd.h"

namespace dpt {

std::string checkpoint_family(const SafetensorsFile& file) {
  auto it = file.metadata().find("family");
  return it == file.metadata().end() ? "dpt" : it->second;
}

void require_family(const SafetensorsFile& file, const std::string& path, const std::string& family) {
  const std::string found = checkpoint_family(file);
  DPT_CHECK(found == family,
            path << ": a checkpoint of the model family '" << found << "', not '" << family << "'");
}

void load_module_weights(Module& module, const SafetensorsFile& file, const std::string& what,
                         const std::function<bool(const std::string&)>& skip) {
  std::map<std::string, Shape> available;
  for (const std::string& n : file.names())
    if (!skip(n)) available.emplace(n, file.entry(n).shape);
  // One tensor converted at a time (the file's bytes are already in memory).
  // finite_tensor: a NaN/Inf weight is refused naming the tensor (issue 15), not run into NaN images.
  module.load_parameters(available, [&file](const std::string& n) { return file.finite_tensor(n); }, what);
}

void save_module_checkpoint(const std::string& path, const Module& module, const std::string& family,
                            const std::vector<std::pair<std::string, Tensor>>& extra,
                            std::map<std::string, std::string> metadata) {
  NoGradGuard ng;
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (auto& p : module.named_state())  // parameters and buffers (BatchNorm running statistics)
    tensors.emplace_back(p.first, p.second.detach().to(Device::cpu()).to(DType::F32));
  for (auto& e : extra) tensors.emplace_back(e.first, e.second.detach().to(Device::cpu()).to(DType::F32));
  metadata["family"] = family;
  write_safetensors(path, tensors, metadata, /*with_checksum=*/true);  // Note [checkpoint checksum]
}

}  // namespace dpt
