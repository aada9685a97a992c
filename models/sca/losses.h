// SCA-GAN losses (docs/sca.md section 4) from one generator forward: phase 1 (PCT-Net: L1, perceptual
// relu1_2, LSGAN over D_PB and D_PP) and phase 2 (IS-Net: the same plus the contextual loss on relu3_2 and
// relu4_2), and the discriminators' LSGAN losses. Optimiser steps live in the trainer's family.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "models/sca/sca.h"
#include "models/vgg.h"

namespace dpt {

// One batch of pairs (§1 "network inputs per pair"); phase 1 needs EP1, EP2, BP2, BEP2; phase 2 also
// P1, P2 and z. Images and edge maps in [-1, 1].
// (Named ScaInputs: io/sca_dataset.h has a struct ScaBatch of its own, and two classes of one name in one
// program break the one-definition rule -- a crash in ~ScaBatch. ScaBatch below is an alias kept for
// existing callers; a file that includes both headers must use ScaInputs.)
struct ScaInputs {
  Tensor P1, P2;    // [N, 3, H, W]
  Tensor EP1, EP2;  // [N, 1, H, W]
  Tensor BP2;       // [N, 18, H, W] target heatmaps
  Tensor BEP2;      // [N, 18, H, W] shifted edge patches
  Tensor z;         // [N, z_dim] (phase 2, and inference)
};
using ScaBatch = ScaInputs;

// Where the six dropout masks of an iteration come from: given (deterministic mode: masks[k][l] in
// ScaMasks order) or drawn from gen in the order of the calls. Exactly one of them must be set when
// the discriminators are in train mode with d_dropout > 0.
struct ScaDropout {
  const ScaMasks* masks = nullptr;
  Generator* gen = nullptr;
  DropoutSource call(int k) const;  // the source of discriminator call k (0..5)
};

// The generator side of one iteration. Undefined tensors: terms not computed (L_per and the CX terms
// without VGG19 weights; CX in phase 1).
struct ScaGeneratorLosses {
  PctOutputs pct;    // phase 1: PCT-Net in its current (train) mode; phase 2: pct.fake_EP2 only (frozen)
  IsnOutputs isn;    // phase 2
  Tensor fake;       // phase 1 fake_EP2 [N, 1, H, W], phase 2 fake_P2 [N, 3, H, W]
  Tensor d_pb_fake, d_pp_fake;  // [N, 4ndf, s_2] (mask calls 0, 1; D weights as constants)
  Tensor L1, L_per, G_GAN_PB, G_GAN_PP, CX_relu3_2, CX_relu4_2;  // 0-d
  Tensor loss_G;     // 0-d: l1 L1 + per L_per + gan (G_GAN_PB + G_GAN_PP) / 2 [+ cx (CX3 + CX4)]
  // (name, value) of every defined term, loss_G first: the values train_step reports.
  std::vector<std::pair<std::string, double>> values() const;
};

// vgg may be null: L_per and CX are then left out (and undefined). loss_G.backward() reaches only the
// phase's generator parameters (the discriminators enter with constant weights, VGG19 is fixed, and in
// phase 2 the PCT-Net runs frozen).
ScaGeneratorLosses sca_generator_losses(const ScaGan& model, ScaPhase phase, const VGG19Features* vgg,
                                        const ScaInputs& batch, const ScaDropout& drop);

// The loss terms of a given generator output `fake` (phase 1: fake_EP2 [N, 1, H, W]; phase 2: fake_P2
// [N, 3, H, W]): everything sca_generator_losses computes after the generator (pct / isn left empty).
// Differentiable in fake (e.g. a leaf, for the gradients of each term w.r.t. the output).
ScaGeneratorLosses sca_losses_of_fake(const ScaGan& model, ScaPhase phase, const VGG19Features* vgg,
                                      const ScaInputs& batch, const Tensor& fake, const ScaDropout& drop);

struct ScaDLoss {
  Tensor pred_real, pred_fake;  // [N, 4ndf, s_2]
  Tensor loss;                  // 0-d: ½ (gan mean((real - 1)²) + gan mean(fake²))
};
// D_PP / D_PB of `phase` on the real pair and on `fake` (detached here): phase 1 real = EP2 ⊕ EP1 /
// EP2 ⊕ BP2, phase 2 P2 ⊕ P1 / P2 ⊕ BP2. Masks: calls 2, 3 (D_PP) and 4, 5 (D_PB).
// loss.backward() reaches only that discriminator's parameters.
ScaDLoss sca_d_pp_loss(const ScaGan& model, ScaPhase phase, const ScaInputs& batch, const Tensor& fake,
                       const ScaDropout& drop);
ScaDLoss sca_d_pb_loss(const ScaGan& model, ScaPhase phase, const ScaInputs& batch, const Tensor& fake,
                       const ScaDropout& drop);

// VGG19 features of y [N, 1 or 3, H, W] in [-1, 1] at `taps` (of relu1_2, relu3_2, relu4_2):
// "imagenet" = ((y + 1)/2 - mean_c)/std_c (a 1-channel y gives 3 channels by this formula), "none" = y as
// it is (1 channel repeated). Stops after the deepest tap.
std::map<std::string, Tensor> sca_vgg_features(const VGG19Features& vgg, const Tensor& y,
                                               const std::vector<std::string>& taps,
                                               const std::string& preprocess = "imagenet");

// The learning-rate factor of epoch e = 1 .. niter + niter_decay (§5.2): 1 - max(0, e - niter)/(niter_decay + 1).
double sca_lr_factor(int64_t epoch, int64_t niter, int64_t niter_decay);
// Iterations per epoch: ceil(epoch_size / batch).
int64_t sca_iterations_per_epoch(const ScaConfig& cfg, int64_t batch);

}  // namespace dpt
