// ScaGan: construction (docs/sca.md section 3.4), the forward functions of both phases and inference, parameter groups.
#include "models/sca/sca.h"

#include "core/autograd.h"
#include "ops/reduce.h"

namespace dpt {

const char* sca_phase_name(ScaPhase p) { return p == ScaPhase::Pct ? "pct" : "isn"; }

ScaPhase parse_sca_phase(const std::string& name) {
  if (name == "pct") return ScaPhase::Pct;
  if (name == "isn") return ScaPhase::Isn;
  DPT_FAIL("SCA-GAN: unknown phase '" << name << "' (valid: pct, isn)");
}

ScaGan::ScaGan(const ScaConfig& c, Generator& gen, bool with_disc) : cfg(c) {
  cfg.validate();
  pct = std::make_unique<PctNet>(cfg, gen);
  isn = std::make_unique<IsNet>(cfg, gen);
  register_module("pct", pct.get());
  register_module("isn", isn.get());
  if (with_disc) {
    pct_dpb = std::make_unique<ResnetDiscriminator>(1 + kScaJoints, cfg, gen);  // edge ⊕ BP2
    pct_dpp = std::make_unique<ResnetDiscriminator>(1 + 1, cfg, gen);           // edge ⊕ EP1
    isn_dpb = std::make_unique<ResnetDiscriminator>(3 + kScaJoints, cfg, gen);  // image ⊕ BP2
    isn_dpp = std::make_unique<ResnetDiscriminator>(3 + 3, cfg, gen);           // image ⊕ P1
    register_module("pct_dpb", pct_dpb.get());
    register_module("pct_dpp", pct_dpp.get());
    register_module("isn_dpb", isn_dpb.get());
    register_module("isn_dpp", isn_dpp.get());
  }
  init_generator_weights(*pct, cfg.init_std, gen);
  init_generator_weights(*isn, cfg.init_std, gen);
}

PctOutputs ScaGan::pct_forward(const Tensor& EP1, const Tensor& BP2, const Tensor& BEP2) const {
  DPT_CHECK(EP1.dim() == 4 && EP1.size(1) == 1, "pct_forward: EP1 must be [N, 1, H, W], got " << EP1.shape_str());
  for (const Tensor* t : {&BP2, &BEP2})
    DPT_CHECK(t->dim() == 4 && t->size(0) == EP1.size(0) && t->size(1) == kScaJoints && t->size(2) == EP1.size(2) &&
                  t->size(3) == EP1.size(3),
              "pct_forward: BP2 and BEP2 must be [N, 18, H, W] like EP1 " << EP1.shape_str() << ", got "
                                                                          << t->shape_str());
  PctOutputs o;
  o.fake_EP2 = pct->forward(cat({EP1, BP2, BEP2}, 1), &o.res_out);
  return o;
}

IsnOutputs ScaGan::isn_forward(const Tensor& P1, const Tensor& fake_EP2, const Tensor& BP2, const Tensor& z) const {
  IsnOutputs o;
  o.fake_P2 = isn->forward(P1, fake_EP2, BP2, z, &o.acts);
  return o;
}

Tensor ScaGan::pct_frozen(const Tensor& EP1, const Tensor& BP2, const Tensor& BEP2) const {
  NoGradGuard ng;
  const bool was = pct->is_training();
  PctNet& net = const_cast<PctNet&>(*pct);  // the mode is restored before returning
  net.eval();
  Tensor out;
  try {
    out = pct_forward(EP1, BP2, BEP2).fake_EP2;
  } catch (...) {
    net.train(was);
    throw;
  }
  net.train(was);
  return out.detach();
}

Tensor ScaGan::edge_condition(const Tensor& EP1, const Tensor& BP2, const Tensor& BEP2) const {
  if (cfg.ablation == "no_prior_transfer") return EP1.detach();
  return pct_frozen(EP1, BP2, BEP2);
}

Tensor ScaGan::infer(const Tensor& P1, const Tensor& EP1, const Tensor& BP2, const Tensor& BEP2, const Tensor& z,
                     Tensor* fake_EP2) const {
  NoGradGuard ng;
  Tensor e = edge_condition(EP1, BP2, BEP2);
  if (fake_EP2) *fake_EP2 = e;
  return isn->forward(P1, e, BP2, z).detach();
}

const ResnetDiscriminator& ScaGan::d_pp(ScaPhase phase) const {
  DPT_CHECK(has_disc(), "ScaGan: this model was built without the discriminators");
  return phase == ScaPhase::Pct ? *pct_dpp : *isn_dpp;
}

const ResnetDiscriminator& ScaGan::d_pb(ScaPhase phase) const {
  DPT_CHECK(has_disc(), "ScaGan: this model was built without the discriminators");
  return phase == ScaPhase::Pct ? *pct_dpb : *isn_dpb;
}

const Module& ScaGan::generator(ScaPhase phase) const {
  return phase == ScaPhase::Pct ? static_cast<const Module&>(*pct) : static_cast<const Module&>(*isn);
}

std::vector<std::pair<std::string, Tensor>> ScaGan::generator_parameters(ScaPhase phase) const {
  return generator(phase).named_parameters(std::string(sca_phase_name(phase)) + ".");
}

std::vector<std::pair<std::string, Tensor>> ScaGan::d_pp_parameters(ScaPhase phase) const {
  return d_pp(phase).named_parameters(std::string(sca_phase_name(phase)) + "_dpp.");
}

std::vector<std::pair<std::string, Tensor>> ScaGan::d_pb_parameters(ScaPhase phase) const {
  return d_pb(phase).named_parameters(std::string(sca_phase_name(phase)) + "_dpb.");
}

std::vector<std::string> ScaGan::network_names() const {
  if (!has_disc()) return {"pct", "isn"};
  return {"pct", "isn", "pct_dpb", "pct_dpp", "isn_dpb", "isn_dpp"};
}

const Module& ScaGan::network(const std::string& prefix) const {
  if (prefix == "pct") return *pct;
  if (prefix == "isn") return *isn;
  if (has_disc()) {
    if (prefix == "pct_dpb") return *pct_dpb;
    if (prefix == "pct_dpp") return *pct_dpp;
    if (prefix == "isn_dpb") return *isn_dpb;
    if (prefix == "isn_dpp") return *isn_dpp;
  }
  std::string valid;
  for (const auto& n : network_names()) valid += (valid.empty() ? "" : ", ") + n;
  DPT_FAIL("ScaGan: no network '" << prefix << "' (valid: " << valid << ")");
}

Module& ScaGan::network(const std::string& prefix) {
  return const_cast<Module&>(static_cast<const ScaGan&>(*this).network(prefix));
}

Shape ScaGan::d_out_shape(int64_t N) const {
  const auto s2 = cfg.level_sizes()[2];
  return {N, 4 * cfg.ndf, s2.first, s2.second};
}

}  // namespace dpt
