// The per-stage losses of docs/dpt.md sections 5-6 (the reference's predictive_losses,
// inpainting_losses, blending_losses), computed from one forward each. Optimiser steps live in train/.
#pragma once
#include <vector>

#include "models/dpt/dpt.h"
#include "models/vgg.h"

namespace dpt {

struct PairBatch {
  Tensor x_s, iuv_s, iuv_t, y;  // [N, 3, H, W] each (images in [-1, 1], IUV as (I, U, V))
};
struct ViewBatch {
  Tensor x_views, iuv_views;  // [N, K, 3, H, W]; view 0 is the inpainter's input
};

struct PredictiveLosses {
  Tensor y_p, L1, Lp, loss;  // Lp only when cfg.pred_lambda_p > 0 (needs vgg)
};
// Stage 1: loss = lambda_l1 L1(y_p, y) [+ pred_lambda_p Lp].
PredictiveLosses predictive_losses(const DensePoseTransfer& model, const PairBatch& batch,
                                   const VGG19Features* vgg = nullptr);

struct InpaintingLosses {
  Tensor tex_hat;                 // [N, 3, 6S, 4S] inpainted from view 0
  std::vector<Tensor> texs, Ms;   // per view: splatted texture and visibility
  std::vector<Tensor> view_terms; // per view: masked L1 term
  Tensor loss;                    // sum of the view terms
};
// Stage 2: masked multi-view L1 of the inpainter's output from view 0 against every view.
InpaintingLosses inpainting_losses(const DensePoseTransfer& model, const ViewBatch& batch);

struct BlendingLosses {
  GeneratorOutputs g;
  Tensor L1, Lp, Ls, d_fake, L_G, loss_G;  // generator side; D's weights are constants in L_G
  Tensor d_real, d_fake_detached, loss_D;  // discriminator side; sees y_hat detached
};
// Stage 3: the full generator loss and the LSGAN D loss from ONE forward with the same D weights.
// loss_G.backward() reaches only pred/inpaint/blend parameters; loss_D.backward() only disc's.
BlendingLosses blending_losses(const DensePoseTransfer& model, const VGG19Features& vgg, const PairBatch& batch);
// The same without VGG19 weights (vgg == nullptr): Lp and Ls are left undefined and not in loss_G.
BlendingLosses blending_losses(const DensePoseTransfer& model, const VGG19Features* vgg, const PairBatch& batch);

}  // namespace dpt
