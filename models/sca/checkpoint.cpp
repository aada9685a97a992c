// SCA-GAN checkpoint read/write (docs/sca.md section 8).
#include "models/sca/checkpoint.h"

#include <set>

#include "core/autograd.h"
#include "models/checkpoint.h"

namespace dpt {

namespace {
bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

const char* const kNetworks[6] = {"pct", "isn", "pct_dpb", "pct_dpp", "isn_dpb", "isn_dpp"};

// The network a tensor name belongs to ("" for none).
std::string network_of(const std::string& name) {
  const std::string head = name.substr(0, name.find('.'));
  for (const char* n : kNetworks)
    if (head == n) return n;
  return "";
}
}  // namespace

std::vector<std::string> ScaCheckpoint::networks() const {
  std::set<std::string> have;
  for (const std::string& n : file.names()) have.insert(network_of(n));
  std::vector<std::string> out;
  for (const char* n : kNetworks)
    if (have.count(n)) out.push_back(n);
  return out;
}

ScaCheckpoint read_sca_checkpoint(const std::string& path) {
  ScaCheckpoint ck{path, ScaConfig{}, SafetensorsFile::read(path)};
  const auto& meta = ck.file.metadata();
  // The reference writes no "family"; then sca_config decides (a DPT file has dpt_config instead).
  if (meta.count("family")) require_family(ck.file, path, kScaFamily);
  auto it = meta.find("sca_config");
  DPT_CHECK(it != meta.end(), path << ": not an SCA-GAN checkpoint (no \"sca_config\" in the safetensors metadata"
                                   << (meta.count("dpt_config") ? "; it is a Dense Pose Transfer checkpoint)" : ")"));
  ck.cfg = ScaConfig::from_json(it->second, path + ": sca_config");
  return ck;
}

std::vector<std::string> load_sca_weights(ScaGan& model, const ScaCheckpoint& ck) {
  std::map<std::string, std::map<std::string, Shape>> per_net;  // network -> (name without prefix -> shape)
  for (const std::string& n : ck.file.names()) {
    if (starts_with(n, "adam.")) continue;  // optimiser state: the trainer's
    const std::string net = network_of(n);
    DPT_CHECK(!net.empty(), "checkpoint " << ck.path << ": tensor '" << n
                                          << "' belongs to no SCA-GAN network (pct, isn, pct_dpb, pct_dpp, isn_dpb, isn_dpp)");
    if (!model.has_disc() && net != "pct" && net != "isn") continue;  // inference: generators only
    per_net[net].emplace(n.substr(net.size() + 1), ck.file.entry(n).shape);
  }
  std::vector<std::string> loaded;
  for (const char* net : kNetworks) {
    auto it = per_net.find(net);
    if (it == per_net.end()) continue;
    const std::string prefix = std::string(net) + ".";
    model.network(net).load_parameters(
        it->second, [&ck, &prefix](const std::string& n) { return ck.file.finite_tensor(prefix + n); },
        "checkpoint " + ck.path + " (" + net + ".*)");
    loaded.push_back(net);
  }
  return loaded;
}

std::unique_ptr<ScaGan> load_sca_model(const ScaCheckpoint& ck, bool with_disc) {
  const std::vector<std::string> have = ck.networks();
  std::set<std::string> hs(have.begin(), have.end());
  DPT_CHECK(hs.count("pct") && (hs.count("isn") || with_disc),
            "checkpoint " << ck.path << ": inference needs pct.* and isn.* weights; the file holds "
                          << (have.empty() ? std::string("no network") : [&] {
                               std::string s;
                               for (const auto& h : have) s += (s.empty() ? "" : ", ") + h;
                               return s;
                             }()));
  const size_t wanted = with_disc ? 6 : 2;
  size_t present = 0;
  for (const auto& h : have) present += with_disc || h == "pct" || h == "isn";
  Generator fresh(0);
  auto model = std::make_unique<ScaGan>(ck.cfg, present == wanted ? uninitialized() : fresh, with_disc);
  load_sca_weights(*model, ck);
  return model;
}

std::unique_ptr<ScaGan> load_sca_model(const std::string& path, bool with_disc) {
  return load_sca_model(read_sca_checkpoint(path), with_disc);
}

void save_sca_checkpoint(const std::string& path, const ScaGan& model, const std::vector<std::string>& networks,
                         const std::vector<std::pair<std::string, Tensor>>& extra,
                         const std::map<std::string, std::string>& extra_metadata) {
  NoGradGuard ng;
  const std::vector<std::string> nets = networks.empty() ? model.network_names() : networks;
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const std::string& n : model.network_names()) {  // ScaGan order, whatever the order asked
    bool want = false;
    for (const auto& w : nets) want = want || w == n;
    if (!want) continue;
    for (auto& p : model.network(n).named_state(n + "."))
      tensors.emplace_back(p.first, p.second.detach().to(Device::cpu()).to(DType::F32));
  }
  for (const auto& w : nets) model.network(w);  // an unknown name is an error naming the valid ones
  for (auto& e : extra) tensors.emplace_back(e.first, e.second.detach().to(Device::cpu()).to(DType::F32));
  std::map<std::string, std::string> meta = extra_metadata;
  meta["sca_config"] = model.cfg.to_json();
  meta["family"] = kScaFamily;
  write_safetensors(path, tensors, meta, /*with_checksum=*/true);  // Note [checkpoint checksum]
}

}  // namespace dpt
