// Autograd wrappers and argument checks of uv_splat and splat_normalise (kernels in ops/cpu/uv_splat.cpp).
// Gradients flow to img and acc only: the grid, fg and w come from DensePose data.
#include "ops/uv_splat.h"

#include "core/autograd.h"
#include "core/dispatch.h"
#include "ops/atlas_math.h"

namespace dpt {

Splat uv_splat(const Tensor& img, const Tensor& grid, const Tensor& fg, int64_t S) {
  DPT_CHECK(img.dim() == 4, "uv_splat: img must be [N, C, H, W], got " << img.shape_str());
  const int64_t N = img.size(0), C = img.size(1), H = img.size(2), W = img.size(3);
  DPT_CHECK(grid.shape() == Shape({N, H, W, 2}),
            "uv_splat: grid must be [N, H, W, 2] = " << shape_str({N, H, W, 2}) << " for img " << img.shape_str()
                                                     << ", got " << grid.shape_str());
  DPT_CHECK(fg.shape() == Shape({N, 1, H, W}),
            "uv_splat: fg must be [N, 1, H, W] = " << shape_str({N, 1, H, W}) << " for img " << img.shape_str()
                                                   << ", got " << fg.shape_str());
  DPT_CHECK(S >= 1, "uv_splat: tile size S must be >= 1, got " << S);
  DPT_CHECK(grid.dtype() == img.dtype() && fg.dtype() == img.dtype(),
            "uv_splat: img, grid, fg must share a dtype, got " << dtype_name(img.dtype()) << ", "
                                                               << dtype_name(grid.dtype()) << ", "
                                                               << dtype_name(fg.dtype()));
  DPT_CHECK(grid.device() == img.device() && fg.device() == img.device(),
            "uv_splat: img, grid, fg must be on one device, got " << img.device().str() << ", "
                                                                  << grid.device().str() << ", " << fg.device().str());
  Tensor is = img.contiguous().detach(), gs = grid.contiguous().detach(), fs = fg.contiguous().detach();
  const int64_t Ha = kAtlasRows * S, Wa = kAtlasCols * S;
  Splat r;
  r.acc = Tensor::empty({N, C, Ha, Wa}, img.dtype(), img.device());
  r.w = Tensor::empty({N, 1, Ha, Wa}, img.dtype(), img.device());
  DPT_DISPATCH(img.device(), uv_splat_forward, is, gs, fs, r.acc, r.w);
  Shape img_shape = img.shape();
  r.acc = make_result(r.acc, "uv_splat", {img}, [gs, fs, img_shape](const Tensor& g) {
    Tensor gi = Tensor::empty(img_shape, g.dtype(), g.device());
    DPT_DISPATCH(g.device(), uv_splat_backward, g.contiguous(), gs, fs, gi);
    return std::vector<Tensor>{gi};
  });
  return r;
}

Texture splat_normalise(const Tensor& acc, const Tensor& w) {
  DPT_CHECK(acc.dim() == 4, "splat_normalise: acc must be [N, C, Ha, Wa], got " << acc.shape_str());
  const int64_t N = acc.size(0), Ha = acc.size(2), Wa = acc.size(3);
  DPT_CHECK(w.shape() == Shape({N, 1, Ha, Wa}),
            "splat_normalise: w must be [N, 1, Ha, Wa] = " << shape_str({N, 1, Ha, Wa}) << " for acc "
                                                           << acc.shape_str() << ", got " << w.shape_str());
  DPT_CHECK(w.dtype() == acc.dtype(), "splat_normalise: acc is " << dtype_name(acc.dtype()) << ", w is "
                                                                << dtype_name(w.dtype()));
  DPT_CHECK(w.device() == acc.device(), "splat_normalise: acc on " << acc.device().str() << ", w on "
                                                                  << w.device().str());
  Tensor as = acc.contiguous().detach(), ws = w.contiguous().detach();
  Texture r;
  r.tex = Tensor::empty_like(as);
  r.M = Tensor::empty_like(ws);
  DPT_DISPATCH(acc.device(), splat_normalise_forward, as, ws, r.tex, r.M);
  r.tex = make_result(r.tex, "splat_normalise", {acc}, [ws](const Tensor& g) {
    Tensor ga = Tensor::empty(g.shape(), g.dtype(), g.device());
    DPT_DISPATCH(g.device(), splat_normalise_backward, ws, g.contiguous(), ga);
    return std::vector<Tensor>{ga};
  });
  return r;
}

}  // namespace dpt
