// Activation recomputation (Note [recompute] in core/recompute.h).
#include "core/recompute.h"

#include <memory>

#include "core/autograd.h"

namespace dpt {

Tensor checkpoint(const char* name, const SegmentFn& fn, std::vector<Tensor> inputs, const std::vector<Tensor>& params) {
  std::vector<Tensor> recorded = inputs;
  recorded.insert(recorded.end(), params.begin(), params.end());
  if (!any_requires_grad(recorded)) return fn(std::move(inputs));
  std::vector<Tensor> saved;
  std::vector<bool> need;
  for (const Tensor& x : inputs) {
    saved.push_back(x.defined() ? x.detach() : Tensor());
    need.push_back(x.defined() && (x.requires_grad() || x.grad_fn()));
  }
  inputs.clear();
  Tensor out;
  {
    NoGradGuard no_grad;
    out = fn(saved);
  }
  const size_t n_params = params.size();
  return make_result(out, name, recorded, [fn, saved, need, n_params](const Tensor& g) {
    GradModeGuard grad_on(true);
    std::vector<Tensor> xs;
    for (size_t i = 0; i < saved.size(); ++i) {
      Tensor x = saved[i].defined() ? saved[i].detach() : Tensor();
      if (need[i]) x.set_requires_grad(true);
      xs.push_back(x);
    }
    Tensor y = fn(xs);
    if (y.requires_grad() || y.grad_fn()) y.backward(g);  // the segment's parameters get their gradients here
    std::vector<Tensor> grads;
    for (size_t i = 0; i < xs.size(); ++i) grads.push_back(need[i] ? xs[i].grad() : Tensor());
    grads.resize(grads.size() + n_params);  // undefined: already accumulated by the inner backward
    return grads;
  });
}

}  // namespace dpt
