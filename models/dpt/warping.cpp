// Warping-stream steps (docs/dpt.md section 4.2): splat, inpaint, composite, warp.
#include "models/dpt/warping.h"

#include "ops/elementwise.h"
#include "ops/grid_sample.h"
#include "ops/reduce.h"

namespace dpt {

Texture splat_texture(const Tensor& x, const Tensor& iuv, int64_t S) {
  DPT_CHECK(x.dim() == 4 && iuv.dim() == 4 && iuv.size(1) == 3 && x.size(0) == iuv.size(0) &&
                x.size(2) == iuv.size(2) && x.size(3) == iuv.size(3),
            "splat_texture: image " << x.shape_str() << " and IUV " << iuv.shape_str()
                                    << " must be [N, C, H, W] and [N, 3, H, W] of the same size");
  UVGrid g = iuv_to_grid(iuv, S);
  Splat sp = uv_splat(x, g.grid, g.fg, S);
  return splat_normalise(sp.acc, sp.w);
}

Tensor inpainter_input(const Tensor& tex_s, const Tensor& M_s) { return untile(cat({tex_s, M_s}, 1)); }

Tensor inpaint(const Inpainter& net, const Tensor& tex_s, const Tensor& M_s) { return net.forward(tex_s, M_s); }

Tensor composite(const Tensor& tex_s, const Tensor& M_s, const Tensor& tex_hat) {
  return M_s * tex_s + (1.0 - M_s) * tex_hat;
}

Warped warp(const Tensor& atlas, const Tensor& iuv_t) {
  DPT_CHECK(atlas.dim() == 4 && atlas.size(3) % 4 == 0 && atlas.size(2) * 4 == atlas.size(3) * 6,
            "warp: atlas must be [N, C, 6S, 4S], got " << atlas.shape_str());
  DPT_CHECK(iuv_t.dim() == 4 && iuv_t.size(1) == 3 && iuv_t.size(0) == atlas.size(0),
            "warp: IUV must be [N, 3, H, W] with N = " << atlas.size(0) << ", got " << iuv_t.shape_str());
  const int64_t S = atlas.size(3) / 4;
  UVGrid g = iuv_to_grid(iuv_t, S);
  return Warped{grid_sample(atlas, g.grid) * g.fg, g.fg};
}

}  // namespace dpt
