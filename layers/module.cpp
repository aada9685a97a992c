// Module: parameter and buffer registry, state dict, strict loading and train/eval mode (Notes [module
// ownership] and [module buffers and modes] in module.h).
#include "layers/module.h"

#include <set>
#include <sstream>

#include "core/autograd.h"

namespace dpt {

void Module::check_new_name(const std::string& name) const {
  DPT_CHECK(!name.empty(), "Module: empty name");
  for (const auto& p : params_) DPT_CHECK(p.first != name, "Module: '" << name << "' registered twice (a parameter)");
  for (const auto& b : buffers_) DPT_CHECK(b.first != name, "Module: '" << name << "' registered twice (a buffer)");
  for (const auto& c : children_) DPT_CHECK(c.first != name, "Module: '" << name << "' registered twice (a child)");
}

void Module::register_parameter(const std::string& name, Tensor* slot) {
  DPT_CHECK(slot && slot->defined(), "Module: parameter '" << name << "' is undefined");
  check_new_name(name);
  slot->set_requires_grad(true);
  params_.emplace_back(name, slot);
}

void Module::register_buffer(const std::string& name, Tensor* slot) {
  DPT_CHECK(slot && slot->defined(), "Module: buffer '" << name << "' is undefined");
  check_new_name(name);
  slot->set_requires_grad(false);
  buffers_.emplace_back(name, slot);
}

void Module::register_module(const std::string& name, Module* child) {
  DPT_CHECK(child, "Module: child '" << name << "' is null");
  check_new_name(name);
  children_.emplace_back(name, child);
}

void Module::collect(const std::string& prefix, std::vector<std::pair<std::string, Tensor*>>& out, int kinds) const {
  if (kinds & kParams)
    for (const auto& p : params_) out.emplace_back(prefix + p.first, p.second);
  if (kinds & kBuffers)
    for (const auto& b : buffers_) out.emplace_back(prefix + b.first, b.second);
  for (const auto& c : children_) c.second->collect(prefix + c.first + ".", out, kinds);
}

namespace {
std::vector<std::pair<std::string, Tensor>> handles(const std::vector<std::pair<std::string, Tensor*>>& slots) {
  std::vector<std::pair<std::string, Tensor>> out;
  out.reserve(slots.size());
  for (auto& s : slots) out.emplace_back(s.first, *s.second);
  return out;
}
}  // namespace

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(const std::string& prefix) const {
  std::vector<std::pair<std::string, Tensor*>> slots;
  collect(prefix, slots, kParams);
  return handles(slots);
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(const std::string& prefix) const {
  std::vector<std::pair<std::string, Tensor*>> slots;
  collect(prefix, slots, kBuffers);
  return handles(slots);
}

std::vector<std::pair<std::string, Tensor>> Module::named_state(const std::string& prefix) const {
  std::vector<std::pair<std::string, Tensor*>> slots;
  collect(prefix, slots, kAll);
  return handles(slots);
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& p : named_parameters()) out.push_back(p.second);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& p : named_parameters()) n += p.second.numel();
  return n;
}

StateDict Module::state_dict(const std::string& prefix) const {
  StateDict sd;
  for (auto& p : named_state(prefix)) sd.emplace(p.first, p.second.detach());
  return sd;
}

namespace {
// "a, b, c" with at most `limit` names, then "... (N more)".
std::string name_list(const std::vector<std::string>& names, size_t limit = 12) {
  std::ostringstream os;
  for (size_t i = 0; i < names.size() && i < limit; ++i) os << (i ? ", " : "") << names[i];
  if (names.size() > limit) os << ", ... (" << names.size() - limit << " more)";
  return os.str();
}
}  // namespace

void Module::load_state_dict(const StateDict& sd, const std::string& what) {
  std::map<std::string, Shape> available;
  for (const auto& kv : sd) {
    DPT_CHECK(kv.second.defined(), "load_state_dict: " << what << ": tensor " << kv.first << " is undefined");
    available.emplace(kv.first, kv.second.shape());
  }
  load_parameters(available, [&sd](const std::string& n) { return sd.at(n); }, what);
}

void Module::load_parameters(const std::map<std::string, Shape>& available,
                             const std::function<Tensor(const std::string&)>& fetch, const std::string& what) {
  std::vector<std::pair<std::string, Tensor*>> slots;
  collect("", slots, kAll);
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string> known;
  for (auto& s : slots) {
    known.insert(s.first);
    auto it = available.find(s.first);
    if (it == available.end()) {
      missing.push_back(s.first);
    } else if (it->second != s.second->shape()) {
      mismatched.push_back(s.first + " (expected " + s.second->shape_str() + ", got " + shape_str(it->second) + ")");
    }
  }
  for (auto& kv : available)
    if (!known.count(kv.first)) unexpected.push_back(kv.first);
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    std::ostringstream os;
    os << "load_state_dict: " << what << " does not match the model (" << slots.size()
       << " parameters and buffers)";
    if (!missing.empty()) os << "\n  missing " << missing.size() << ": " << name_list(missing);
    if (!unexpected.empty()) os << "\n  unexpected " << unexpected.size() << ": " << name_list(unexpected);
    if (!mismatched.empty()) os << "\n  wrong shape " << mismatched.size() << ": " << name_list(mismatched, 6);
    throw Error(os.str());
  }
  NoGradGuard ng;
  for (auto& s : slots) {
    Tensor t = fetch(s.first);
    DPT_CHECK(t.defined() && t.shape() == s.second->shape(),
              "load_state_dict: " << what << ": " << s.first << " changed shape while loading");
    s.second->copy_(t);
  }
}

void Module::set_requires_grad(bool requires_grad) {
  std::vector<std::pair<std::string, Tensor*>> slots;
  collect("", slots);
  for (auto& s : slots) s.second->set_requires_grad(requires_grad);
}

void Module::zero_grad() {
  std::vector<std::pair<std::string, Tensor*>> slots;
  collect("", slots);
  for (auto& s : slots) s.second->zero_grad();
}

void Module::train(bool on) {
  training_ = on;
  for (auto& c : children_) c.second->train(on);
}

void Module::to(Device device) {
  std::vector<std::pair<std::string, Tensor*>> slots;
  collect("", slots, kAll);
  NoGradGuard ng;
  for (auto& s : slots) {
    if (s.second->device() == device) continue;
    bool rg = s.second->requires_grad();
    *s.second = s.second->detach().to(device);
    s.second->set_requires_grad(rg);
  }
}

void Module::to(DType dtype) {
  std::vector<std::pair<std::string, Tensor*>> slots;
  collect("", slots, kAll);
  NoGradGuard ng;
  for (auto& s : slots) {
    if (s.second->dtype() == dtype) continue;
    bool rg = s.second->requires_grad();
    *s.second = s.second->detach().to(dtype);
    s.second->set_requires_grad(rg);
  }
}

DType Module::dtype() const {
  std::vector<std::pair<std::string, Tensor*>> slots;
  collect("", slots);
  return slots.empty() ? DType::F32 : slots.front().second->dtype();
}

Device Module::device() const {
  std::vector<std::pair<std::string, Tensor*>> slots;
  collect("", slots);
  return slots.empty() ? Device::cpu() : slots.front().second->device();
}

}  // namespace dpt
