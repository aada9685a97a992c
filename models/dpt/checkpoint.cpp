// Checkpoint read/write (docs/dpt.md section 8).
#include "models/dpt/checkpoint.h"

#include "models/checkpoint.h"

namespace dpt {

namespace {
bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }
}  // namespace

Checkpoint read_checkpoint(const std::string& path) {
  Checkpoint ck{path, Config{}, SafetensorsFile::read(path)};
  require_family(ck.file, path, kDptFamily);
  auto it = ck.file.metadata().find("dpt_config");
  DPT_CHECK(it != ck.file.metadata().end(),
            path << ": not a Dense Pose Transfer checkpoint (no \"dpt_config\" in the safetensors metadata)");
  ck.cfg = Config::from_json(it->second, path + ": dpt_config");
  return ck;
}

void load_weights(DensePoseTransfer& model, const Checkpoint& ck) {
  const bool skip_disc = !model.has_disc();  // inference: generator only
  load_module_weights(model, ck.file, "checkpoint " + ck.path, [skip_disc](const std::string& n) {
    return starts_with(n, "adam.") || (skip_disc && starts_with(n, "disc."));  // optimiser state: the trainer's
  });
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
  std::map<std::string, std::string> meta = extra_metadata;
  meta["dpt_config"] = model.cfg.to_json();
  save_module_checkpoint(path, model, kDptFamily, extra, meta);
}

}  // namespace dpt
