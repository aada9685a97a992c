// The warping stream of docs/dpt.md section 4.2 as small steps (the reference's generator_forward):
// splat the source into the UV atlas, inpaint it, composite, warp the completed atlas to the target pose.
#pragma once
#include "core/tensor.h"
#include "models/dpt/networks.h"
#include "ops/atlas.h"
#include "ops/uv_splat.h"

namespace dpt {

// Source image x [N, C, H, W] and its IUV [N, 3, H, W] -> atlas texture tex [N, C, 6S, 4S] (unobserved
// texels 0) and visibility M [N, 1, 6S, 4S]. Differentiable w.r.t. x.
Texture splat_texture(const Tensor& x, const Tensor& iuv, int64_t S);

// The inpainter's input: untile(cat(tex_s, M_s)) [N, 24*4, S, S], part-major (part p owns channels
// 4p .. 4p+3: its texture's RGB and its visibility).
Tensor inpainter_input(const Tensor& tex_s, const Tensor& M_s);

// tex_hat = inpainter(tex_s, M_s) [N, 3, 6S, 4S].
Tensor inpaint(const Inpainter& net, const Tensor& tex_s, const Tensor& M_s);

// tex_full = M_s tex_s + (1 - M_s) tex_hat.
Tensor composite(const Tensor& tex_s, const Tensor& M_s, const Tensor& tex_hat);

struct Warped {
  Tensor y_w;  // [N, C, H, W] = grid_sample(atlas, grid_t) * fg_t; differentiable w.r.t. the atlas
  Tensor m_w;  // [N, 1, H, W] = fg_t
};
// Renders an atlas [N, C, 6S, 4S] (S = atlas width / 4, any S >= 2: not only powers of two) onto the
// pose iuv_t [N, 3, H, W]; background pixels are 0.
Warped warp(const Tensor& atlas, const Tensor& iuv_t);

}  // namespace dpt
