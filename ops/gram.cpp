// Autograd wrapper and argument checks for gram (kernels in ops/cpu, ops/cuda).
#include "ops/gram.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

Tensor gram(const Tensor& f) {
  DPT_CHECK(f.dim() == 4, "gram: f must be [N, C, H, W], got " << f.shape_str());
  Tensor fc = f.contiguous().detach();
  Tensor out = Tensor::empty({f.size(0), f.size(1), f.size(1)}, f.dtype(), f.device());
  DPT_DISPATCH(f.device(), gram_forward, fc, out);
  return make_result(out, "gram", {f}, [fc](const Tensor& g) {
    Tensor gf = Tensor::empty_like(fc);
    DPT_DISPATCH(fc.device(), gram_backward, fc, g.contiguous(), gf);
    return std::vector<Tensor>{gf};
  });
}

}  // namespace dpt
