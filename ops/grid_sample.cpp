// Autograd wrapper and argument checks of grid_sample (kernels in ops/cpu/grid_sample.cpp, ops/cuda).
#include "ops/grid_sample.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

namespace {
bool needs_grad(const Tensor& t) { return t.requires_grad() || t.grad_fn() != nullptr; }
}  // namespace

Tensor grid_sample(const Tensor& x, const Tensor& grid) {
  DPT_CHECK(x.dim() == 4, "grid_sample: x must be [N, C, Hi, Wi], got " << x.shape_str());
  DPT_CHECK(grid.dim() == 4 && grid.size(3) == 2 && grid.size(0) == x.size(0),
            "grid_sample: grid must be [N, Ho, Wo, 2] with N = " << x.size(0) << ", got " << grid.shape_str()
                                                                 << " (x " << x.shape_str() << ")");
  DPT_CHECK(x.dtype() == grid.dtype(), "grid_sample: x is " << dtype_name(x.dtype()) << ", grid is "
                                                           << dtype_name(grid.dtype()));
  DPT_CHECK(x.device() == grid.device(), "grid_sample: x on " << x.device().str() << ", grid on "
                                                             << grid.device().str());
  Tensor xs = x.contiguous().detach(), gs = grid.contiguous().detach();
  Tensor out = Tensor::empty({x.size(0), x.size(1), grid.size(1), grid.size(2)}, x.dtype(), x.device());
  DPT_DISPATCH(x.device(), grid_sample_forward, xs, gs, out);
  const bool need_x = needs_grad(x), need_grid = needs_grad(grid);
  return make_result(out, "grid_sample", {x, grid}, [xs, gs, need_x, need_grid](const Tensor& g) {
    Tensor gx = need_x ? Tensor::empty_like(xs) : Tensor();
    Tensor gg = need_grid ? Tensor::empty_like(gs) : Tensor();
    DPT_DISPATCH(xs.device(), grid_sample_backward, xs, gs, g.contiguous(), gx, gg);
    return std::vector<Tensor>{gx, gg};
  });
}

}  // namespace dpt
