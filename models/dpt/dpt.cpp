// DensePoseTransfer: construction and the generator forward (docs/dpt.md sections 4.1-4.3; the reference's
// generator_forward).
#include "models/dpt/dpt.h"

#include "models/dpt/warping.h"
#include "ops/atlas.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace dpt {

DensePoseTransfer::DensePoseTransfer(const Config& c, Generator& gen, bool with_disc) : cfg(c) {
  cfg.validate();
  const int64_t e = cfg.enc_ch();
  pred = std::make_unique<PredictiveNet>(cfg.ngf, 3 + 2 * e, gen);
  inpaint = std::make_unique<Inpainter>(cfg.S, cfg.inpaint_base, cfg.inpaint_max, cfg.emb, gen);
  blend = std::make_unique<BlendingNet>(cfg.ngf, 7 + e, gen);
  register_module("pred", pred.get());
  register_module("inpaint", inpaint.get());
  register_module("blend", blend.get());
  if (with_disc) {
    disc = std::make_unique<PatchDiscriminator>(cfg.ndf, 6 + e, gen);
    register_module("disc", disc.get());
  }
}

GeneratorOutputs DensePoseTransfer::generator_forward(const Tensor& x_s, const Tensor& iuv_s,
                                                      const Tensor& iuv_t) const {
  DPT_CHECK(x_s.dim() == 4 && x_s.size(1) == 3, "generator_forward: x_s must be [N, 3, H, W], got " << x_s.shape_str());
  for (const Tensor* t : {&iuv_s, &iuv_t})
    DPT_CHECK(t->dim() == 4 && t->size(1) == 3 && t->size(0) == x_s.size(0) && t->size(2) == x_s.size(2) &&
                  t->size(3) == x_s.size(3),
              "generator_forward: IUV maps must be [N, 3, H, W] like x_s " << x_s.shape_str() << ", got "
                                                                          << t->shape_str());
  DPT_CHECK(x_s.size(2) % 4 == 0 && x_s.size(3) % 4 == 0,
            "generator_forward: H and W must be divisible by 4, got " << x_s.size(2) << "x" << x_s.size(3));
  GeneratorOutputs o;
  o.enc_s = encode_iuv(iuv_s, cfg.onehot());
  o.enc_t = encode_iuv(iuv_t, cfg.onehot());
  o.y_p = pred->forward(cat({x_s, o.enc_s, o.enc_t}, 1));
  Texture t = splat_texture(x_s, iuv_s, cfg.S);
  o.tex_s = t.tex;
  o.M_s = t.M;
  o.tex_hat = inpaint->forward(o.tex_s, o.M_s);
  o.tex_full = composite(o.tex_s, o.M_s, o.tex_hat);
  Warped w = warp(o.tex_full, iuv_t);
  o.y_w = w.y_w;
  o.m_w = w.m_w;
  o.r = blend->forward(cat({o.y_p, o.y_w, o.m_w, o.enc_t}, 1));
  o.y_hat = o.y_p + o.r;
  return o;
}

AblationOutputs DensePoseTransfer::ablation_forward(const Tensor& x_s, const Tensor& iuv_s,
                                                   const Tensor& iuv_t) const {
  GeneratorOutputs g = generator_forward(x_s, iuv_s, iuv_t);
  // No inpainting: only the observed texels reach the target pose, and blending sees that warp.
  Warped w = warp(mul(g.tex_s, g.M_s), iuv_t);
  Tensor r = blend->forward(cat({g.y_p, w.y_w, w.m_w, g.enc_t}, 1));
  return {g.y_hat, add(g.y_p, r), g.y_p, w.y_w, x_s};
}

std::vector<std::pair<std::string, Tensor>> AblationOutputs::named() const {
  return {{"full", full}, {"no_inpaint", no_inpaint}, {"predictive", predictive}, {"warp_only", warp_only},
          {"source", source}};
}

Tensor DensePoseTransfer::disc_forward(const Tensor& x_s, const Tensor& enc_t, const Tensor& y,
                                       bool fixed_weights) const {
  DPT_CHECK(disc, "disc_forward: this model was built without the discriminator");
  return disc->forward(cat({x_s, enc_t, y}, 1), fixed_weights);
}

std::vector<std::pair<std::string, Tensor>> DensePoseTransfer::named_generator_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto* m : {static_cast<const Module*>(pred.get()), static_cast<const Module*>(inpaint.get()),
                        static_cast<const Module*>(blend.get())}) {
    const char* prefix = m == pred.get() ? "pred." : (m == inpaint.get() ? "inpaint." : "blend.");
    for (auto& p : m->named_parameters(prefix)) out.push_back(p);
  }
  return out;
}

std::vector<Tensor> DensePoseTransfer::generator_parameters() const {
  std::vector<Tensor> out;
  for (auto& p : named_generator_parameters()) out.push_back(p.second);
  return out;
}

}  // namespace dpt
