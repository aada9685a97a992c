// Adam optimiser state and step (the update itself is ops/adam.h).
#include "train/adam.h"

#include <map>

#include "core/autograd.h"

namespace dpt {

Adam::Adam(std::vector<std::pair<std::string, Tensor>> params, const AdamHyper& hyper) : hyper_(hyper) {
  for (auto& [name, p] : params)
    slots_.push_back({name, p, Tensor::zeros(p.shape(), p.dtype(), p.device()), Tensor::zeros(p.shape(), p.dtype(), p.device())});
}

void Adam::step() {
  if (before_step_) before_step_();
  ++steps_;
  NoGradGuard ng;
  for (Slot& s : slots_) {
    Tensor g = s.param.grad();
    if (!g.defined()) continue;
    Tensor p = s.param.detach();
    adam_update_(p, g.contiguous(), s.m, s.v, steps_, hyper_);
  }
}

void Adam::zero_grad() {
  for (Slot& s : slots_) s.param.zero_grad();
}

std::vector<std::pair<std::string, Tensor>> Adam::state() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const Slot& s : slots_) {
    out.emplace_back("adam.m." + s.name, s.m);
    out.emplace_back("adam.v." + s.name, s.v);
  }
  return out;
}

void Adam::load_state(const std::vector<std::pair<std::string, Tensor>>& tensors, int64_t steps, const std::string& what) {
  std::map<std::string, Tensor> by_name(tensors.begin(), tensors.end());
  for (Slot& s : slots_) {
    for (auto [prefix, dst] : {std::pair<const char*, Tensor*>{"adam.m.", &s.m}, {"adam.v.", &s.v}}) {
      auto it = by_name.find(prefix + s.name);
      DPT_CHECK(it != by_name.end(), what << ": optimizer state " << prefix << s.name << " is missing");
      DPT_CHECK(it->second.shape() == s.param.shape(), what << ": " << prefix << s.name << " has shape "
                                                             << it->second.shape_str() << ", parameter "
                                                             << s.param.shape_str());
      dst->copy_(it->second);
    }
  }
  steps_ = steps;
}

}  // namespace dpt
