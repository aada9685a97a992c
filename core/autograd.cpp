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
// A leaf's first gradient is taken over instead of copied when nothing else refers to its bytes (the
// fresh result of a backward function): the copy held every parameter gradient twice for a moment,
// 50 MB for the inpainter's largest linear layer at the small configuration.
void accumulate(std::shared_ptr<TensorImpl>& acc, const Tensor& g, bool owned) {
  if (!acc && owned && g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous() &&
      g.offset() == 0 && g.storage()->bytes() == static_cast<size_t>(g.numel()) * dtype_size(g.dtype())) {
    acc = g.detach().impl_ptr();
    return;
  }
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
GradModeGuard::GradModeGuard(bool enabled) : prev_(g_grad_enabled) { g_grad_enabled = enabled; }
GradModeGuard::~GradModeGuard() { g_grad_enabled = prev_; }

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
  node->inputs.reserve(inputs.size());
  for (const Tensor& in : inputs) {  // Note [graph edges]
    GraphEdge e;
    if (in.defined()) {
      e.shape = in.shape();
      if (in.grad_fn()) e.node = in.grad_fn();
      else e.leaf = in.impl_ptr();
    }
    node->inputs.push_back(std::move(e));
  }
  node->backward = std::move(backward);
  node->output = out.impl_ptr();
  out.get()->grad_fn = std::move(node);
  if (memory_tagging() && out.get()->storage)  // Note [memory tags] (core/allocator.h)
    allocator_for(out.device().type).retag(out.get()->storage->data(), MemoryTag{"graph", name});
  return out;
}

namespace {

// A vertex of the traversal: a node (for a non-leaf tensor) or a leaf tensor.
struct Vertex {
  std::shared_ptr<Node> node;
  std::shared_ptr<TensorImpl> leaf;
  const void* key() const { return node ? static_cast<const void*>(node.get()) : leaf.get(); }
};

// Whether a gradient is wanted along e: a node that has not been freed by an earlier backward, or a
// leaf that requires grad (or has since become a result).
bool needs_grad(const GraphEdge& e) {
  if (e.node) return static_cast<bool>(e.node->backward);
  return e.leaf && (e.leaf->requires_grad || e.leaf->grad_fn);
}

Vertex vertex_of(const GraphEdge& e) {
  if (e.node) return {e.node, nullptr};
  if (e.leaf->grad_fn) return {e.leaf->grad_fn, nullptr};
  return {nullptr, e.leaf};
}

// Frees what the node's closure saved and its edges; the node itself goes with the last reference.
void release(Node& node) {
  node.backward = nullptr;
  node.inputs.clear();
  if (std::shared_ptr<TensorImpl> out = node.output.lock()) out->grad_fn.reset();
}

}  // namespace

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  DPT_CHECK(requires_grad() || grad_fn(), "backward(): tensor " << shape_str() << " does not require grad");
  Tensor seed = gradient;
  if (!seed.defined()) {
    DPT_CHECK(numel() == 1, "backward(): gradient must be given for a non-scalar output " << shape_str());
    seed = Tensor::ones(shape(), dtype(), device());
  }
  DPT_CHECK(seed.shape() == shape(), "backward(): gradient shape " << seed.shape_str() << " vs output "
                                                                   << shape_str());

  // Reverse topological order by iterative DFS over the vertices reachable through the edges. `order`
  // owns its vertices: releasing a node below drops its edges to the nodes that follow.
  const Vertex root = grad_fn() ? Vertex{grad_fn(), nullptr} : Vertex{nullptr, impl_ptr()};
  std::vector<Vertex> order;
  std::unordered_set<const void*> seen;
  std::vector<std::pair<Vertex, size_t>> stack{{root, 0}};
  seen.insert(root.key());
  while (!stack.empty()) {
    Node* node = stack.back().first.node.get();
    size_t& next = stack.back().second;
    if (node && next < node->inputs.size()) {
      const GraphEdge& e = node->inputs[next++];
      if (needs_grad(e)) {
        Vertex v = vertex_of(e);
        if (seen.insert(v.key()).second) stack.push_back({std::move(v), 0});
      }
    } else {
      order.push_back(std::move(stack.back().first));
      stack.pop_back();
    }
  }

  NoGradGuard no_grad;
  std::unordered_map<const void*, std::shared_ptr<TensorImpl>> grads;
  grads[root.key()] = seed.contiguous().impl_ptr();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    auto gi = grads.find(it->key());
    if (gi == grads.end()) continue;  // no gradient reached this vertex
    Tensor g(gi->second);
    grads.erase(gi);
    if (!it->node) {
      TensorImpl* t = it->leaf.get();
      if (t->requires_grad) {
        accumulate(t->grad, g, /*owned=*/true);
        if (g_leaf_grad_hook) g_leaf_grad_hook(t);
      }
      continue;
    }
    Node* node = it->node.get();
    std::vector<Tensor> in_grads;
    {
      MemoryTagScope tag("backward", node->name);  // Note [memory tags]
      in_grads = node->backward(g);
    }
    g = Tensor();
    DPT_CHECK(in_grads.size() == node->inputs.size(),
              "backward of " << node->name << " returned " << in_grads.size() << " gradients for "
                             << node->inputs.size() << " inputs");
    for (size_t i = 0; i < in_grads.size(); ++i) {
      const GraphEdge& e = node->inputs[i];
      if (!needs_grad(e) || !in_grads[i].defined()) continue;
      DPT_CHECK(in_grads[i].shape() == e.shape, "backward of " << node->name << ": gradient "
                                                               << in_grads[i].shape_str() << " for input "
                                                               << ::dpt::shape_str(e.shape));
      accumulate(grads[vertex_of(e).key()], in_grads[i], /*owned=*/false);
    }
    if (!retain_graph) release(*node);  // frees what its closure saved
  }
}

}  // namespace dpt
