// Autograd wrapper and argument checks for bmm (kernels in ops/cpu, ops/cuda). With C = op(A) op(B)
// and G = dC: d op(A) = G op(B)^T and d op(B) = op(A)^T G, each again one bmm with transposes:
//   dA = bmm(G, B, false, !tb)  or, when A is stored transposed, bmm(B, G, tb, true);
//   dB = bmm(A, G, !ta, false)  or, when B is stored transposed, bmm(G, A, true, ta).
#include "ops/bmm.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

namespace {

bool wants_grad(const Tensor& t) { return grad_enabled() && (t.requires_grad() || t.grad_fn()); }

// out = op(a) op(b) through the kernel (no graph).
Tensor bmm_raw(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const int64_t M = ta ? a.size(2) : a.size(1), N = tb ? b.size(1) : b.size(2);
  Tensor out = Tensor::empty({a.size(0), M, N}, a.dtype(), a.device());
  DPT_DISPATCH(a.device(), bmm_forward, a, b, ta, tb, out);
  return out;
}

}  // namespace

Tensor bmm(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  DPT_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: a and b must be 3-D [B, rows, cols], got a " << a.shape_str()
                                                                                          << ", b " << b.shape_str());
  const int64_t Ka = trans_a ? a.size(1) : a.size(2), Kb = trans_b ? b.size(2) : b.size(1);
  DPT_CHECK(a.size(0) == b.size(0) && Ka == Kb,
            "bmm: a " << a.shape_str() << (trans_a ? " (transposed)" : "") << " and b " << b.shape_str()
                      << (trans_b ? " (transposed)" : "") << " do not multiply: batch " << a.size(0) << " vs "
                      << b.size(0) << ", inner " << Ka << " vs " << Kb);
  DPT_CHECK(a.dtype() == b.dtype() && a.device() == b.device(),
            "bmm: a is " << a.describe() << ", b is " << b.describe());
  Tensor ac = a.contiguous().detach(), bc = b.contiguous().detach();
  Tensor out = bmm_raw(ac, bc, trans_a, trans_b);
  const bool need_a = wants_grad(a), need_b = wants_grad(b);
  return make_result(out, "bmm", {a, b}, [ac, bc, trans_a, trans_b, need_a, need_b](const Tensor& g) {
    Tensor gc = g.contiguous();
    Tensor ga, gb;
    if (need_a) ga = trans_a ? bmm_raw(bc, gc, trans_b, true) : bmm_raw(gc, bc, false, !trans_b);
    if (need_b) gb = trans_b ? bmm_raw(gc, ac, true, trans_a) : bmm_raw(ac, gc, !trans_a, false);
    return std::vector<Tensor>{ga, gb};
  });
}

}  // namespace dpt
