// Graph recording and reverse-mode traversal (Note [autograd] in autograd.h).
#include "core/autograd.h"

#include <unordered_map>
#include <unordered_set>

#include "core/allocator.h"
#include "core/device_ops.h"

namespace dpt {

namespace {
thread_local bool g_grad_enabled = true;
LeafGradHook g_leaf_grad_hook;

Tensor fresh_copy(const Tensor& t) {
  Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
  out.copy_(t);
  return out;
}

// acc += g. Gradients are kept contiguous. A gradient returned by a backward function may alias
// another one (add returns g for both inputs), so a stored gradient is never modified in place
// unless this function made it (`owned`): a leaf's .grad always is.
void accumulate(std::shared_ptr<TensorImpl>& acc, const Tensor& g, bool owned) {
  Tensor gc = g.contiguous().detach();
  if (!acc) {
    acc = (owned ? fresh_copy(gc) : gc).impl_ptr();
    return;
  }
  Tensor a(acc);
  DPT_CHECK(a.shape() == gc.shape(), "gradient of shape " << gc.shape_str() << " for a tensor of shape "
                                                           << a.shape_str());
  if (!owned) {
    a = fresh_copy(a);
    acc = a.impl_ptr();
  }
  device_ops(a.device().type).add_inplace(a, gc.dtype() == a.dtype() ? gc : gc.to(a.dtype()));
}
}  // namespace

bool grad_enabled() { return g_grad_enabled; }

void set_leaf_grad_hook(LeafGradHook hook) { g_leaf_grad_hook = std::move(hook); }

NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = prev_; }

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && (t.requires_grad() || t.grad_fn())) return true;
  return false;
}

Tensor make_result(Tensor out, const char* name, std::vector<Tensor> inputs, BackwardFn backward) {
  if (!any_requires_grad(inputs)) return out;
  auto node = std::make_shared<Node>();
  node->name = name;
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  out.get()->grad_fn = std::move(node);
  if (memory_tagging() && out.get()->storage)  // Note [memory tags] (core/allocator.h)
    allocator_for(out.device().type).retag(out.get()->storage->data(), MemoryTag{"graph", name});
  return out;
}

namespace {
bool needs_grad(const Tensor& t) { return t.defined() && (t.requires_grad() || t.grad_fn()); }
}  // namespace

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  DPT_CHECK(needs_grad(*this), "backward(): tensor " << shape_str() << " does not require grad");
  Tensor seed = gradient;
  if (!seed.defined()) {
    DPT_CHECK(numel() == 1, "backward(): gradient must be given for a non-scalar output " << shape_str());
    seed = Tensor::ones(shape(), dtype(), device());
  }
  DPT_CHECK(seed.shape() == shape(), "backward(): gradient shape " << seed.shape_str() << " vs output "
                                                                   << shape_str());

  // Reverse topological order by iterative DFS over tensors reachable through grad_fn. `order` owns
  // its tensors: freeing a node below may drop the last other reference to one of its inputs.
  std::vector<std::shared_ptr<TensorImpl>> order;
  std::unordered_set<TensorImpl*> seen;
  std::vector<std::pair<std::shared_ptr<TensorImpl>, size_t>> stack{{impl_ptr(), 0}};
  seen.insert(get());
  while (!stack.empty()) {
    TensorImpl* t = stack.back().first.get();
    size_t& next = stack.back().second;
    Node* node = t->grad_fn.get();
    if (node && next < node->inputs.size()) {
      const Tensor& in = node->inputs[next++];
      if (needs_grad(in) && seen.insert(in.get()).second) stack.push_back({in.impl_ptr(), 0});
    } else {
      order.push_back(std::move(stack.back().first));
      stack.pop_back();
    }
  }

  NoGradGuard no_grad;
  std::unordered_map<TensorImpl*, std::shared_ptr<TensorImpl>> grads;
  grads[get()] = seed.contiguous().impl_ptr();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    TensorImpl* t = it->get();
    auto gi = grads.find(t);
    if (gi == grads.end()) continue;  // no gradient reached this tensor
    Tensor g(gi->second);
    grads.erase(gi);
    if (!t->grad_fn) {
      if (t->requires_grad) {
        accumulate(t->grad, g, /*owned=*/true);
        if (g_leaf_grad_hook) g_leaf_grad_hook(t);
      }
      continue;
    }
    Node* node = t->grad_fn.get();
    std::vector<Tensor> in_grads;
    {
      MemoryTagScope tag("backward", node->name);  // Note [memory tags]
      in_grads = node->backward(g);
    }
    DPT_CHECK(in_grads.size() == node->inputs.size(),
              "backward of " << node->name << " returned " << in_grads.size() << " gradients for "
                             << node->inputs.size() << " inputs");
    for (size_t i = 0; i < in_grads.size(); ++i) {
      const Tensor& in = node->inputs[i];
      if (!needs_grad(in) || !in_grads[i].defined()) continue;
      DPT_CHECK(in_grads[i].shape() == in.shape(), "backward of " << node->name << ": gradient "
                                                                  << in_grads[i].shape_str() << " for input "
                                                                  << in.shape_str());
      accumulate(grads[in.get()], in_grads[i], /*owned=*/false);
    }
    if (!retain_graph) t->grad_fn.reset();  // frees the node and what its closure saved
  }
}

}  // namespace dpt
