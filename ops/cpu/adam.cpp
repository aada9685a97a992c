// CPU Adam update: one pass over the parameter, element maths from ops/adam_math.h.
#include <cmath>

#include "core/threading.h"
#include "ops/adam.h"
#include "ops/adam_math.h"

namespace dpt::cpu {

void adam_update(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, int64_t step, const AdamHyper& h) {
  const double bc1 = 1.0 - std::pow(h.beta1, static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(h.beta2, static_cast<double>(step));
  DPT_DISPATCH_FLOAT(p.dtype(), {
    scalar_t* pp = p.data<scalar_t>();
    const scalar_t* pg = g.data<scalar_t>();
    scalar_t* pm = m.data<scalar_t>();
    scalar_t* pv = v.data<scalar_t>();
    parallel_for(p.numel(), 1 << 15, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) adam_element(pp + i, pg[i], pm + i, pv + i, h.lr, h.beta1, h.beta2, h.eps, bc1, bc2);
    });
  });
}

}  // namespace dpt::cpu
