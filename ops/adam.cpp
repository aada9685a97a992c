// Argument checks for the in-place Adam update.
#include "ops/adam.h"

#include "core/dispatch.h"

namespace dpt {

void adam_update_(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, int64_t step, const AdamHyper& h) {
  DPT_CHECK(step >= 1, "adam: step counts from 1, got " << step);
  for (const Tensor* t : {&g, static_cast<const Tensor*>(&m), static_cast<const Tensor*>(&v)}) {
    DPT_CHECK(t->shape() == p.shape() && t->dtype() == p.dtype() && t->device() == p.device(),
              "adam: state " << t->describe() << " does not match parameter " << p.describe());
    DPT_CHECK(t->is_contiguous(), "adam: state tensors must be contiguous");
  }
  DPT_CHECK(p.is_contiguous(), "adam: parameter must be contiguous");
  DPT_DISPATCH(p.device(), adam_update, p, g, m, v, step, h);
}

}  // namespace dpt
