// SCA-GAN losses (docs/sca.md section 4; the reference's pct_forward_losses, isn_forward_losses, d_loss).
#include "models/sca/losses.h"

#include <algorithm>

#include "core/autograd.h"
#include "ops/contextual_loss.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/reduce.h"

namespace dpt {

namespace {
// mean((d - 1)^2) and mean(d^2): ops/loss.h's LSGAN terms carry a factor ½ each (exact to undo).
Tensor lsgan_real(const Tensor& d) { return lsgan_g_loss(d) * 2.0; }

Tensor cat2(const Tensor& a, const Tensor& b) { return cat({a, b}, 1); }

void require(const Tensor& t, const char* name, const char* what) {
  DPT_CHECK(t.defined(), what << ": the batch has no " << name);
}

// VGG19 tap order (deepest last).
int tap_rank(const std::string& t) {
  for (int i = 0; i < 5; ++i)
    if (t == kVggTaps[i]) return i;
  DPT_FAIL("sca_vgg_features: unknown tap '" << t << "' (relu1_2, relu2_2, relu3_2, relu4_2, relu5_2)");
}
}  // namespace

DropoutSource ScaDropout::call(int k) const {
  DPT_CHECK(k >= 0 && k < kScaDCalls, "ScaDropout: call " << k << " outside 0.." << kScaDCalls - 1);
  DropoutSource s;
  if (masks) {
    DPT_CHECK(static_cast<int>(masks->size()) == kScaDCalls,
              "ScaDropout: " << kScaDCalls << " mask lists expected (one per discriminator call), got " << masks->size());
    s.masks = &(*masks)[k];
  }
  s.gen = gen;
  return s;
}

std::vector<std::pair<std::string, double>> ScaGeneratorLosses::values() const {
  std::vector<std::pair<std::string, double>> v;
  const std::pair<const char*, const Tensor*> terms[] = {
      {"loss_G", &loss_G},         {"L1", &L1},         {"L_per", &L_per},         {"G_GAN_PB", &G_GAN_PB},
      {"G_GAN_PP", &G_GAN_PP}, {"CX_relu3_2", &CX_relu3_2}, {"CX_relu4_2", &CX_relu4_2}};
  for (const auto& t : terms)
    if (t.second->defined()) v.emplace_back(t.first, t.second->item());
  return v;
}

std::map<std::string, Tensor> sca_vgg_features(const VGG19Features& vgg, const Tensor& y,
                                               const std::vector<std::string>& taps, const std::string& preprocess) {
  DPT_CHECK(y.dim() == 4 && (y.size(1) == 1 || y.size(1) == 3),
            "sca_vgg_features: y must be [N, 1 or 3, H, W], got " << y.shape_str());
  DPT_CHECK(preprocess == "imagenet" || preprocess == "none",
            "sca_vgg_features: unknown preprocessing '" << preprocess << "' (imagenet, none)");
  DPT_CHECK(!taps.empty(), "sca_vgg_features: no tap asked for");
  std::string last = taps[0];
  for (const auto& t : taps)
    if (tap_rank(t) > tap_rank(last)) last = t;
  // A 1-channel y repeated to 3 channels gives ((y + 1)/2 - mean_c)/std_c per channel after normalisation.
  const Tensor y3 = y.size(1) == 1 ? cat({y, y, y}, 1) : y;
  std::map<std::string, Tensor> all = vgg.forward_to(y3, last, preprocess == "imagenet"), out;
  for (const auto& t : taps) out[t] = all.at(t);
  return out;
}

ScaGeneratorLosses sca_generator_losses(const ScaGan& model, ScaPhase phase, const VGG19Features* vgg,
                                        const ScaInputs& b, const ScaDropout& drop) {
  const char* what = "sca_generator_losses";
  for (auto np : {std::make_pair("EP1", &b.EP1), std::make_pair("BP2", &b.BP2), std::make_pair("BEP2", &b.BEP2)})
    require(*np.second, np.first, what);
  ScaGeneratorLosses o;
  if (phase == ScaPhase::Pct) {
    require(b.EP2, "EP2", what);
    o.pct = model.pct_forward(b.EP1, b.BP2, b.BEP2);
    o.fake = o.pct.fake_EP2;
  } else {
    for (auto np : {std::make_pair("P1", &b.P1), std::make_pair("P2", &b.P2), std::make_pair("z", &b.z)})
      require(*np.second, np.first, what);
    o.pct.fake_EP2 = model.edge_condition(b.EP1, b.BP2, b.BEP2);
    o.isn = model.isn_forward(b.P1, o.pct.fake_EP2, b.BP2, b.z);
    o.fake = o.isn.fake_P2;
  }
  ScaGeneratorLosses t = sca_losses_of_fake(model, phase, vgg, b, o.fake, drop);
  t.pct = std::move(o.pct);
  t.isn = std::move(o.isn);
  return t;
}

ScaGeneratorLosses sca_losses_of_fake(const ScaGan& model, ScaPhase phase, const VGG19Features* vgg,
                                      const ScaInputs& b, const Tensor& fake, const ScaDropout& drop) {
  const ScaConfig& c = model.cfg;
  const Tensor& target = phase == ScaPhase::Pct ? b.EP2 : b.P2;
  const Tensor& cond_pp = phase == ScaPhase::Pct ? b.EP1 : b.P1;
  require(target, phase == ScaPhase::Pct ? "EP2" : "P2", "sca_losses_of_fake");
  require(cond_pp, phase == ScaPhase::Pct ? "EP1" : "P1", "sca_losses_of_fake");
  require(b.BP2, "BP2", "sca_losses_of_fake");
  const int64_t ch = phase == ScaPhase::Pct ? 1 : 3;
  DPT_CHECK(fake.dim() == 4 && fake.size(1) == ch && fake.size(0) == target.size(0) &&
                fake.size(2) == target.size(2) && fake.size(3) == target.size(3),
            "sca_losses_of_fake: fake must be [N, " << ch << ", H, W] like the target " << target.shape_str()
                                                    << ", got " << fake.shape_str());
  ScaGeneratorLosses o;
  o.fake = fake;
  const Tensor tgt = target.detach();
  o.L1 = l1_loss(o.fake, tgt);
  o.loss_G = o.L1 * c.lambda_l1;
  if (vgg) {
    const Tensor f = sca_vgg_features(*vgg, o.fake, {"relu1_2"}).at("relu1_2");
    Tensor r;
    {
      NoGradGuard ng;
      r = sca_vgg_features(*vgg, tgt, {"relu1_2"}).at("relu1_2").detach();
    }
    o.L_per = l1_loss(f, r);
    o.loss_G = o.loss_G + o.L_per * c.lambda_per;
  }
  o.d_pb_fake = model.d_pb(phase).forward(cat2(o.fake, b.BP2), drop.call(0), /*fixed_weights=*/true);
  o.d_pp_fake = model.d_pp(phase).forward(cat2(o.fake, cond_pp), drop.call(1), /*fixed_weights=*/true);
  o.G_GAN_PB = lsgan_real(o.d_pb_fake);
  o.G_GAN_PP = lsgan_real(o.d_pp_fake);
  o.loss_G = o.loss_G + (o.G_GAN_PB + o.G_GAN_PP) * (c.lambda_gan / 2);
  if (phase == ScaPhase::Isn && vgg) {
    const std::vector<std::string> taps{"relu3_2", "relu4_2"};
    std::map<std::string, Tensor> ff = sca_vgg_features(*vgg, o.fake, taps, c.cx_preprocess), fr;
    {
      NoGradGuard ng;
      fr = sca_vgg_features(*vgg, tgt, taps, c.cx_preprocess);
    }
    const CxParams cp{c.cx_sigma, c.cx_b, c.cx_eps};
    o.CX_relu3_2 = contextual_loss(fr.at("relu3_2").detach(), ff.at("relu3_2"), cp);
    o.CX_relu4_2 = contextual_loss(fr.at("relu4_2").detach(), ff.at("relu4_2"), cp);
    o.loss_G = o.loss_G + (o.CX_relu3_2 + o.CX_relu4_2) * c.lambda_cx;
  }
  return o;
}

namespace {
ScaDLoss d_loss(const ResnetDiscriminator& net, const Tensor& real, const Tensor& fake, double lambda_gan,
                const DropoutSource& dr, const DropoutSource& df) {
  ScaDLoss o;
  o.pred_real = net.forward(real.detach(), dr);
  o.pred_fake = net.forward(fake.detach(), df);
  // ½ (λ mean((r - 1)²) + λ mean(f²)) = λ lsgan_d_loss(r, f).
  o.loss = lsgan_d_loss(o.pred_real, o.pred_fake) * lambda_gan;
  return o;
}

const Tensor& real_image(ScaPhase phase, const ScaInputs& b) {
  const Tensor& t = phase == ScaPhase::Pct ? b.EP2 : b.P2;
  DPT_CHECK(t.defined(), "SCA-GAN D loss: the batch has no " << (phase == ScaPhase::Pct ? "EP2" : "P2"));
  return t;
}
}  // namespace

ScaDLoss sca_d_pp_loss(const ScaGan& model, ScaPhase phase, const ScaInputs& b, const Tensor& fake,
                       const ScaDropout& drop) {
  const Tensor& cond = phase == ScaPhase::Pct ? b.EP1 : b.P1;
  DPT_CHECK(cond.defined(), "sca_d_pp_loss: the batch has no " << (phase == ScaPhase::Pct ? "EP1" : "P1"));
  return d_loss(model.d_pp(phase), cat2(real_image(phase, b), cond), cat2(fake.detach(), cond), model.cfg.lambda_gan,
                drop.call(2), drop.call(3));
}

ScaDLoss sca_d_pb_loss(const ScaGan& model, ScaPhase phase, const ScaInputs& b, const Tensor& fake,
                       const ScaDropout& drop) {
  DPT_CHECK(b.BP2.defined(), "sca_d_pb_loss: the batch has no BP2");
  return d_loss(model.d_pb(phase), cat2(real_image(phase, b), b.BP2), cat2(fake.detach(), b.BP2),
                model.cfg.lambda_gan, drop.call(4), drop.call(5));
}

double sca_lr_factor(int64_t epoch, int64_t niter, int64_t niter_decay) {
  return 1.0 - static_cast<double>(std::max<int64_t>(0, epoch - niter)) / static_cast<double>(niter_decay + 1);
}

int64_t sca_iterations_per_epoch(const ScaConfig& cfg, int64_t batch) {
  DPT_CHECK(batch > 0, "sca_iterations_per_epoch: batch must be positive, got " << batch);
  return (cfg.epoch_size + batch - 1) / batch;
}

}  // namespace dpt
