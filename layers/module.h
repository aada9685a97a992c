// Module: a named tree of parameters (PyTorch-style dotted names "pred.res.3.conv1.weight"), the state
// dict built from it, and a strict load_state_dict whose errors name every missing, unexpected and
// mis-shaped parameter. Layers and networks derive from it.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace dpt {

// name -> tensor. Sorted by name; Module::named_parameters() gives registration order instead.
using StateDict = std::map<std::string, Tensor>;

// Note [module ownership]
// A module registers pointers to its own Tensor members (parameters) and to its child modules, which it
// owns (as members or through unique_ptr). Modules are therefore neither copyable nor movable: the
// registered addresses must stay valid. Parameters are leaves; copies of a parameter handle share its
// data, and load_state_dict copies values in place, so handles taken earlier stay valid. to(device) /
// to(dtype) replace the tensors (handles taken earlier then point to the old ones).
class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // (dotted name, parameter) in registration order, depth first; names start with `prefix`.
  std::vector<std::pair<std::string, Tensor>> named_parameters(const std::string& prefix = "") const;
  std::vector<Tensor> parameters() const;
  int64_t num_parameters() const;  // total number of elements
  // Detached handles sharing the parameters' storage.
  StateDict state_dict(const std::string& prefix = "") const;

  // Copies every parameter's value from `sd` (converting dtype/device as needed). Strict: every
  // parameter must be present with its exact shape and `sd` must hold no other key; otherwise nothing
  // is changed and one dpt::Error lists the missing, unexpected and mis-shaped names. `what` names
  // the source in the message (e.g. the checkpoint's path).
  void load_state_dict(const StateDict& sd, const std::string& what = "state dict");
  // The same for a source that converts tensors on demand (a checkpoint file): `available` lists its
  // names and shapes; everything is validated first, then `fetch(name)` is called once per parameter,
  // so only one converted tensor is alive at a time.
  void load_parameters(const std::map<std::string, Shape>& available,
                       const std::function<Tensor(const std::string&)>& fetch, const std::string& what);

  void set_requires_grad(bool requires_grad);
  void zero_grad();  // drops every parameter's .grad
  // Moves / converts every parameter (keeping requires_grad). Not differentiable.
  void to(Device device);
  void to(DType dtype);
  DType dtype() const;    // of the first parameter (F32 for a module without parameters)
  Device device() const;  // of the first parameter (cpu for a module without parameters)

 protected:
  // `slot` must be a member of the derived module (Note [module ownership]). The tensor it holds
  // becomes a leaf that requires grad.
  void register_parameter(const std::string& name, Tensor* slot);
  void register_module(const std::string& name, Module* child);

 private:
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Tensor*>>& out) const;
  std::vector<std::pair<std::string, Tensor*>> params_;
  std::vector<std::pair<std::string, Module*>> children_;
};

}  // namespace dpt
