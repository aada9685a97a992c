// ScaGan: the six networks of SCA-GAN (docs/sca.md section 3) under one parameter tree -- pct.*, isn.*,
// pct_dpb.*, pct_dpp.*, isn_dpb.*, isn_dpp.* (the reference's SCAGAN state_dict names) -- with the
// forward functions of both phases and inference, and the parameter groups of each phase (§5.1).
// Losses: models/sca/losses.h; checkpoints: models/sca/checkpoint.h. No optimiser or data code here
// (the trainer's family drives those), so inference links none of it.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "models/sca/config.h"
#include "models/sca/networks.h"

namespace dpt {

// The two training phases (§5.1): "pct" trains PCT-Net + pct_dpb + pct_dpp; "isn" trains IS-Net +
// isn_dpb + isn_dpp with the PCT-Net frozen (eval mode).
enum class ScaPhase { Pct, Isn };
const char* sca_phase_name(ScaPhase p);                 // "pct", "isn"
ScaPhase parse_sca_phase(const std::string& name);      // an Error listing the valid names otherwise

inline constexpr int kScaJoints = 18;   // COCO-18 heatmap channels (BP2, BEP2)
inline constexpr int kScaDCalls = 6;    // discriminator calls per iteration (§5.4 order, see ScaMasks)

// Dropout masks of one iteration in docs/sca.md section 5.4 order: call k = 0 D_PB(fake) and 1 D_PP(fake) inside
// loss_G, 2 D_PP(real), 3 D_PP(fake), 4 D_PB(real), 5 D_PB(fake); masks[k][l] for residual block l,
// [N, 4ndf, s_2] with values 0/1 (the goldens' mask.{k}.{l}).
using ScaMasks = std::vector<std::vector<Tensor>>;

struct PctOutputs {
  Tensor res_out;   // [N, 4 pct_ngf, H/4, W/4] after the residual blocks
  Tensor fake_EP2;  // [N, 1, H, W] in (-1, 1)
};

struct IsnOutputs {
  IsnActivations acts;  // style, fc_out, every block's input (after resizing) and output
  Tensor fake_P2;       // [N, 3, H, W] in (-1, 1)
};

class ScaGan : public Module {
 public:
  // Validates cfg. Draws the weights from `gen` in the order pct, isn, pct_dpb, pct_dpp, isn_dpb, isn_dpp,
  // then overwrites pct's and isn's per §3.4 (init_generator_weights). uninitialized() skips all draws
  // (weights loaded right after). with_disc = false builds pct and isn only (inference).
  ScaGan(const ScaConfig& cfg, Generator& gen, bool with_disc = true);

  // PCT-Net: EP1 [N, 1, H, W], BP2, BEP2 [N, 18, H, W] -> PctOutputs. BatchNorm uses pct's current mode
  // (pct->train(): batch statistics + running-statistics update; pct->eval(): running statistics).
  PctOutputs pct_forward(const Tensor& EP1, const Tensor& BP2, const Tensor& BEP2) const;
  // IS-Net: P1 [N, 3, H, W], fake_EP2 [N, 1, H, W], BP2 [N, 18, H, W], z [N, z_dim] -> IsnOutputs.
  IsnOutputs isn_forward(const Tensor& P1, const Tensor& fake_EP2, const Tensor& BP2, const Tensor& z) const;
  // The frozen PCT-Net of phase 2 and inference: eval-mode statistics whatever pct's mode, no gradients,
  // running statistics unchanged. -> fake_EP2 [N, 1, H, W].
  Tensor pct_frozen(const Tensor& EP1, const Tensor& BP2, const Tensor& BEP2) const;
  // The IS-Net's edge condition E' in phase 2 and at inference: pct_frozen(...), or EP1 itself (detached)
  // under cfg.ablation "no_prior_transfer" (SCA-GAN Table 2's "w/o prior transfer"). [N, 1, H, W].
  Tensor edge_condition(const Tensor& EP1, const Tensor& BP2, const Tensor& BEP2) const;
  // Inference (§6): fake_P2 [N, 3, H, W] from P1, EP1, BP2, BEP2 and z [N, z_dim] (no gradients);
  // fake_EP2 (optional) receives the generated edge map.
  Tensor infer(const Tensor& P1, const Tensor& EP1, const Tensor& BP2, const Tensor& BEP2, const Tensor& z,
               Tensor* fake_EP2 = nullptr) const;

  // The phase's discriminators (throw when built without them).
  const ResnetDiscriminator& d_pp(ScaPhase phase) const;  // pct_dpp (edge ⊕ EP1) / isn_dpp (image ⊕ P1)
  const ResnetDiscriminator& d_pb(ScaPhase phase) const;  // pct_dpb (edge ⊕ BP2) / isn_dpb (image ⊕ BP2)
  const Module& generator(ScaPhase phase) const;          // *pct / *isn

  // Parameter groups of a phase (names with the network prefix, e.g. "pct.in_conv.weight"): the G
  // optimiser's (pct.* in phase 1, isn.* in phase 2), D_PP's and D_PB's.
  std::vector<std::pair<std::string, Tensor>> generator_parameters(ScaPhase phase) const;
  std::vector<std::pair<std::string, Tensor>> d_pp_parameters(ScaPhase phase) const;
  std::vector<std::pair<std::string, Tensor>> d_pb_parameters(ScaPhase phase) const;

  // Network prefixes present in this model ("pct", "isn", and the four discriminators when built).
  std::vector<std::string> network_names() const;
  Module& network(const std::string& prefix);  // an Error listing the valid prefixes otherwise
  const Module& network(const std::string& prefix) const;
  bool has_disc() const { return pct_dpb != nullptr; }

  // Discriminator output size s_2 and the dropout-mask shape [N, 4ndf, s_2].
  Shape d_out_shape(int64_t N) const;

  ScaConfig cfg;
  std::unique_ptr<PctNet> pct;
  std::unique_ptr<IsNet> isn;
  std::unique_ptr<ResnetDiscriminator> pct_dpb, pct_dpp, isn_dpb, isn_dpp;  // null without discriminators
};

}  // namespace dpt
