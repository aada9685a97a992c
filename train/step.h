// One optimisation step of a training stage (ARCHITECTURE.md section 6), shared by the trainer and the
// benchmark so that both time and run the same work.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "models/dpt/losses.h"
#include "train/adam.h"

namespace dpt {

// Thrown before any weight changes when a loss is NaN or Inf; what() lists the loss values.
struct NonFiniteLoss : Error {
  using Error::Error;
};

using LossValues = std::vector<std::pair<std::string, double>>;

// Runs the stage's forward, backward and Adam update(s) on one batch and returns the loss values:
//   predictive  G_p on `pairs` (Lp too when cfg.pred_lambda_p > 0 and vgg is given)      -> loss, L1
//   inpainting  the inpainter on `views`                                                   -> loss
//   blending    generator (opt_g) and discriminator (opt_d) from one forward; Lp/Ls when vgg is given
//                                                                     -> loss_G, loss_D, L1, L_G[, Lp, Ls]
// Batches must be on the model's device.
LossValues train_step(const std::string& stage, const DensePoseTransfer& model, const VGG19Features* vgg, Adam& opt_g,
                      Adam* opt_d, const PairBatch& pairs, const ViewBatch& views);

}  // namespace dpt
