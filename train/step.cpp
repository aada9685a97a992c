// train_step (see step.h): the losses of models/losses.h, a finiteness check, backward, Adam.
#include "train/step.h"

#include <cmath>
#include <sstream>

namespace dpt {
namespace {

bool finite(const Tensor& t) { return !t.defined() || std::isfinite(t.item()); }

// Throws NonFiniteLoss when any named value is NaN/Inf, listing them all.
void require_finite(const std::vector<std::pair<std::string, Tensor>>& named) {
  bool ok = true;
  for (const auto& kv : named) ok = ok && finite(kv.second);
  if (ok) return;
  std::ostringstream msg;
  msg << "(";
  for (size_t i = 0; i < named.size(); ++i)
    if (named[i].second.defined()) msg << (i ? ", " : "") << named[i].first << " " << named[i].second.item();
  msg << ")";
  throw NonFiniteLoss(msg.str());
}

}  // namespace

LossValues train_step(const std::string& stage, const DensePoseTransfer& model, const VGG19Features* vgg, Adam& opt_g,
                      Adam* opt_d, const PairBatch& pairs, const ViewBatch& views) {
  opt_g.zero_grad();
  if (stage == "inpainting") {
    InpaintingLosses l = inpainting_losses(model, views);
    require_finite({{"loss", l.loss}});
    l.loss.backward();
    opt_g.step();
    return {{"loss", l.loss.item()}};
  }
  if (stage == "predictive") {
    PredictiveLosses l = predictive_losses(model, pairs, vgg);
    require_finite({{"loss", l.loss}});
    l.loss.backward();
    opt_g.step();
    return {{"loss", l.loss.item()}, {"L1", l.L1.item()}};
  }
  DPT_CHECK(stage == "blending" && opt_d != nullptr, "train_step: unknown stage '" << stage << "' or no D optimiser");
  opt_d->zero_grad();
  BlendingLosses l = blending_losses(model, vgg, pairs);
  require_finite({{"loss_G", l.loss_G}, {"loss_D", l.loss_D}});
  l.loss_G.backward();
  l.loss_D.backward();
  opt_g.step();
  opt_d->step();
  LossValues out{{"loss_G", l.loss_G.item()}, {"loss_D", l.loss_D.item()}, {"L1", l.L1.item()}, {"L_G", l.L_G.item()}};
  if (vgg) {
    out.push_back({"Lp", l.Lp.item()});
    out.push_back({"Ls", l.Ls.item()});
  }
  return out;
}

}  // namespace dpt
