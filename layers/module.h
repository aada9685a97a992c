// Module: a named tree of parameters and buffers (PyTorch-style dotted names "pred.res.3.conv1.weight",
// "pct.in_bn.running_mean"), the state dict built from them, a strict load_state_dict whose errors name
// every missing, unexpected and mis-shaped tensor, and a train/eval mode. Layers and networks derive from it.
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
//
// Note [module buffers and modes]
// - A buffer is state that is saved and loaded but not trained (BatchNorm's running_mean/running_var):
//   it is in state_dict(), named_state(), load_state_dict() and load_parameters() under the same dotted
//   names as parameters, moves with to(device)/to(dtype), never requires grad, and is absent from
//   named_parameters()/parameters() (so optimisers never see it). Ops update buffers in place.
// - The mode (train, the default as in PyTorch, or eval) is set on a module and all its descendants at
//   once by train(bool)/eval(); layers whose forward depends on it (BatchNorm2d, dropout users) read
//   is_training(). A child registered later keeps its own mode until the next train()/eval() call.
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
  // (dotted name, buffer) in registration order, depth first.
  std::vector<std::pair<std::string, Tensor>> named_buffers(const std::string& prefix = "") const;
  // Everything a checkpoint holds, in PyTorch's state_dict order: per module its parameters, then its
  // buffers, then its children.
  std::vector<std::pair<std::string, Tensor>> named_state(const std::string& prefix = "") const;
  // Detached handles sharing the storage of the parameters and buffers.
  StateDict state_dict(const std::string& prefix = "") const;

  // Copies every parameter's and buffer's value from `sd` (converting dtype/device as needed). Strict:
  // every one must be present with its exact shape and `sd` must hold no other key; otherwise nothing
  // is changed and one dpt::Error lists the missing, unexpected and mis-shaped names. `what` names
  // the source in the message (e.g. the checkpoint's path).
  void load_state_dict(const StateDict& sd, const std::string& what = "state dict");
  // The same for a source that converts tensors on demand (a checkpoint file): `available` lists its
  // names and shapes; everything is validated first, then `fetch(name)` is called once per parameter
  // or buffer, so only one converted tensor is alive at a time.
  void load_parameters(const std::map<std::string, Shape>& available,
                       const std::function<Tensor(const std::string&)>& fetch, const std::string& what);

  void set_requires_grad(bool requires_grad);
  void zero_grad();  // drops every parameter's .grad
  // Train mode (true, the default) or eval mode for this module and every descendant (Note [module
  // buffers and modes]).
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Moves / converts every parameter and buffer (keeping requires_grad). Not differentiable.
  void to(Device device);
  void to(DType dtype);
  DType dtype() const;    // of the first parameter (F32 for a module without parameters)
  Device device() const;  // of the first parameter (cpu for a module without parameters)

 protected:
  // `slot` must be a member of the derived module (Note [module ownership]). The tensor it holds
  // becomes a leaf that requires grad.
  void register_parameter(const std::string& name, Tensor* slot);
  // A buffer (Note [module buffers and modes]): `slot` is a member like a parameter's; it never
  // requires grad. Its name must differ from every parameter's and child's of this module.
  void register_buffer(const std::string& name, Tensor* slot);
  void register_module(const std::string& name, Module* child);

 private:
  enum Kinds { kParams = 1, kBuffers = 2, kAll = 3 };
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Tensor*>>& out, int kinds = kParams) const;
  void check_new_name(const std::string& name) const;
  std::vector<std::pair<std::string, Tensor*>> params_;
  std::vector<std::pair<std::string, Tensor*>> buffers_;
  std::vector<std::pair<std::string, Module*>> children_;
  bool training_ = true;
};

}  // namespace dpt
