// The autograd contract in a page (Note [autograd]):
// - Every differentiable op returns make_result(out, name, inputs, backward_fn). When grad mode is on
//   and some input requires grad, out gets a Node with one edge per input and backward_fn.
// - backward_fn(grad_out) returns one gradient per input (an undefined Tensor where there is none).
// - Tensor::backward() runs the nodes in reverse topological order, sums gradients that reach a
//   tensor along several paths, and accumulates (+=) into the .grad of leaves that require grad.
// - After backward the graph is freed (nodes and the tensors their closures saved) unless retained.
// - Closures must capture saved tensors by value and detached (x.detach()); capturing a result that
//   holds a Node would keep the graph alive in a cycle. Save only what the backward reads: the graph
//   itself keeps no activation alive (Note [graph edges]).
// - backward_fn runs with grad mode off: there is no double backward.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "core/tensor.h"

namespace dpt {

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_out)>;

// Note [graph edges]
// An edge leads to the node that produced a non-leaf input, not to the input tensor: holding the
// tensor would hold its storage, so every intermediate activation of a forward pass stayed alive
// until backward, saved or not. A non-leaf input's bytes now live only as long as a closure saved
// them (or the caller holds the tensor). Leaf inputs (parameters, data, detached or no-grad results)
// are held as tensors, as before, so that requires_grad is read when backward runs.
struct GraphEdge {
  std::shared_ptr<Node> node;          // the input's grad_fn, when it had one
  std::shared_ptr<TensorImpl> leaf;    // else the input itself (null for an undefined input)
  Shape shape;                         // the input's shape, to check its gradient
};

struct Node {
  const char* name = "";
  std::vector<GraphEdge> inputs;           // one per input of the op (only those that need grad are followed)
  BackwardFn backward;                 // empty once the node ran in a backward that did not retain it
  std::weak_ptr<TensorImpl> output;    // the result whose grad_fn this is (reset when the node is freed)
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

// RAII: sets grad mode in its scope (core/recompute.cpp turns it on inside a backward function).
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled);
  ~GradModeGuard();
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

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
