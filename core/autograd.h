// The autograd contract in a page (Note [autograd]):
// - Every differentiable op returns make_result(out, name, inputs, backward_fn). When grad mode is on
//   and some input requires grad, out gets a Node holding the inputs and backward_fn.
// - backward_fn(grad_out) returns one gradient per input (an undefined Tensor where there is none).
// - Tensor::backward() runs the nodes in reverse topological order, sums gradients that reach a
//   tensor along several paths, and accumulates (+=) into the .grad of leaves that require grad.
// - After backward the graph is freed (nodes and the tensors their closures saved) unless retained.
// - Closures must capture saved tensors by value and detached (x.detach()); capturing a result that
//   holds a Node would keep the graph alive in a cycle.
// - backward_fn runs with grad mode off: there is no double backward.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "core/tensor.h"

namespace dpt {

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_out)>;

struct Node {
  const char* name = "";
  std::vector<Tensor> inputs;  // the op's inputs (only those that require grad are followed)
  BackwardFn backward;
};

bool grad_enabled();

// RAII: disables graph recording in its scope (like torch.no_grad()).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// True when recording is on and at least one input requires grad.
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Attaches the node to `out` if needed and returns it.
Tensor make_result(Tensor out, const char* name, std::vector<Tensor> inputs, BackwardFn backward);

// Called by backward() right after a leaf that requires grad received its gradient of that backward
// pass (its .grad is final for the pass: every path to it has been summed). Data-parallel training
// (train/distributed.h) starts a bucket's all-reduce from it while the rest of the backward runs.
// One hook per process; an empty function removes it.
using LeafGradHook = std::function<void(TensorImpl* leaf)>;
void set_leaf_grad_hook(LeafGradHook hook);

}  // namespace dpt
