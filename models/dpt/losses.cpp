// Stage losses (docs/dpt.md sections 5-6; the reference's predictive/inpainting/blending_losses).
#include "models/dpt/losses.h"

#include "models/dpt/warping.h"
#include "ops/atlas.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/reduce.h"

namespace dpt {


PredictiveLosses predictive_losses(const DensePoseTransfer& model, const PairBatch& b, const VGG19Features* vgg) {
  const Config& cfg = model.cfg;
  PredictiveLosses out;
  Tensor x = cat({b.x_s, encode_iuv(b.iuv_s, cfg.onehot()), encode_iuv(b.iuv_t, cfg.onehot())}, 1);
  out.y_p = model.pred->forward(x);
  out.L1 = l1_loss(out.y_p, b.y);
  out.loss = cfg.lambda_l1 * out.L1;
  if (cfg.pred_lambda_p > 0) {
    DPT_CHECK(vgg, "predictive_losses: pred_lambda_p > 0 needs the VGG19 weights");
    out.Lp = perceptual_style_losses(*vgg, out.y_p, b.y, false).Lp;
    out.loss = out.loss + cfg.pred_lambda_p * out.Lp;
  }
  return out;
}

InpaintingLosses inpainting_losses(const DensePoseTransfer& model, const ViewBatch& b) {
  DPT_CHECK(b.x_views.dim() == 5 && b.iuv_views.dim() == 5 && b.x_views.size(1) == b.iuv_views.size(1) &&
                b.x_views.size(1) >= 1,
            "inpainting_losses: x_views and iuv_views must be [N, K, 3, H, W], got " << b.x_views.shape_str()
                                                                                     << " and " << b.iuv_views.shape_str());
  InpaintingLosses out;
  for (int64_t k = 0; k < b.x_views.size(1); ++k) {
    Texture t = splat_texture(b.x_views.select(1, k).contiguous(), b.iuv_views.select(1, k).contiguous(), model.cfg.S);
    out.texs.push_back(t.tex);
    out.Ms.push_back(t.M);
  }
  out.tex_hat = model.inpaint->forward(out.texs[0], out.Ms[0]);
  for (size_t k = 0; k < out.texs.size(); ++k) {
    out.view_terms.push_back(masked_l1(out.tex_hat, out.texs[k], out.Ms[k]));
    out.loss = k == 0 ? out.view_terms[0] : out.loss + out.view_terms[k];
  }
  return out;
}

BlendingLosses blending_losses(const DensePoseTransfer& model, const VGG19Features& vgg, const PairBatch& b) {
  return blending_losses(model, &vgg, b);
}

BlendingLosses blending_losses(const DensePoseTransfer& model, const VGG19Features* vgg, const PairBatch& b) {
  const Config& cfg = model.cfg;
  DPT_CHECK(model.has_disc(), "blending_losses: the model was built without the discriminator");
  BlendingLosses out;
  out.g = model.generator_forward(b.x_s, b.iuv_s, b.iuv_t);
  const Tensor& y_hat = out.g.y_hat;
  out.L1 = l1_loss(y_hat, b.y);
  out.d_fake = model.disc_forward(b.x_s, out.g.enc_t, y_hat, /*fixed_weights=*/true);
  out.L_G = lsgan_g_loss(out.d_fake);
  out.loss_G = cfg.lambda_l1 * out.L1 + cfg.lambda_gan * out.L_G;
  if (vgg) {
    PerceptualStyle ps = perceptual_style_losses(*vgg, y_hat, b.y);
    out.Lp = ps.Lp;
    out.Ls = ps.Ls;
    out.loss_G = out.loss_G + cfg.lambda_p * out.Lp + cfg.lambda_s * out.Ls;
  }
  const Tensor enc_t = out.g.enc_t.detach();
  out.d_real = model.disc_forward(b.x_s, enc_t, b.y);
  out.d_fake_detached = model.disc_forward(b.x_s, enc_t, y_hat.detach());
  out.loss_D = lsgan_d_loss(out.d_real, out.d_fake_detached);
  return out;
}

}  // namespace dpt
