// Checkpoint read/write (ARCHITECTURE.md section 8).
#include "models/dpt/checkpoint.h"

#include "core/autograd.h"

namespace dpt {

namespace {
bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }
}  // namespace

Checkpoint read_checkpoint(const std::string& path) {
  Checkpoint ck{path, Config{}, SafetensorsFile::read(path)};
  auto it = ck.file.metadata().find("dpt_config");
  DPT_CHECK(it != ck.file.metadata().end(),
            path << ": not a Dense Pose Transfer checkpoint (no \"dpt_config\" in the safetensors metadata)");
  ck.cfg = Config::from_json(it->second, path + ": dpt_config");
  return ck;
}

void load_weights(DensePoseTransfer& model, const Checkpoint& ck) {
  std::map<std::string, Shape> available;
  for (const std::string& n : ck.file.names()) {
    if (starts_with(n, "adam.")) continue;                       // optimiser state: the trainer's business
    if (!model.has_disc() && starts_with(n, "disc.")) continue;  // inference: generator only
    available.emplace(n, ck.file.entry(n).shape);
  }
  // One tensor converted at a time (the file's bytes are already in memory).
  model.load_parameters(available, [&ck](const std::string& n) { return ck.file.tensor(n); },
                        "checkpoint " + ck.path);
}

std::unique_ptr<DensePoseTransfer> load_model(const Checkpoint& ck, bool with_disc) {
  auto model = std::make_unique<DensePoseTransfer>(ck.cfg, uninitialized(), with_disc);  // weights follow
  load_weights(*model, ck);
  return model;
}

std::unique_ptr<DensePoseTransfer> load_model(const std::string& path, bool with_disc) {
  return load_model(read_checkpoint(path), with_disc);
}

void save_checkpoint(const std::string& path, const DensePoseTransfer& model,
                     const std::vector<std::pair<std::string, Tensor>>& extra,
                     const std::map<std::string, std::string>& extra_metadata) {
  NoGradGuard ng;
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (auto& p : model.named_parameters()) tensors.emplace_back(p.first, p.second.detach().to(Device::cpu()).to(DType::F32));
  for (auto& e : extra) tensors.emplace_back(e.first, e.second.detach().to(Device::cpu()).to(DType::F32));
  std::map<std::string, std::string> meta = extra_metadata;
  meta["dpt_config"] = model.cfg.to_json();
  write_safetensors(path, tensors, meta);
}

}  // namespace dpt
