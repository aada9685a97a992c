// The SCA-GAN configuration (the checkpoint's "sca_config" metadata, docs/sca.md section 8): every field
// of the reference's SCAConfig dataclass with its JSON key and default, split into parts like the DPT
// Config (Note [config fields] in models/config_fields.h): JSON, range checks and differences are derived
// from the declarations below.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "io/json.h"
#include "models/config_fields.h"

namespace dpt {

// Decides the parameter shapes (H, W fix the IS-Net's fc size; an --init checkpoint must match these).
struct ScaModelShape {
  int64_t H = 256, W = 176;  // divisible by 4 and >= 36 (docs/sca.md conventions)
  int64_t pct_ngf = 64, pct_blocks = 6;
  int64_t isn_ngf = 64, z_dim = 256, spade_hidden = 128;
  int64_t ndf = 64, d_blocks = 3;

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::ModelShape;
    v(P, "H", H, IntRange{36, 16384});
    v(P, "W", W, IntRange{36, 16384});
    v(P, "pct_ngf", pct_ngf, IntRange{1, 4096});
    v(P, "pct_blocks", pct_blocks, IntRange{0, 64});
    v(P, "isn_ngf", isn_ngf, IntRange{1, 4096});
    v(P, "z_dim", z_dim, IntRange{1, 65536});
    v(P, "spade_hidden", spade_hidden, IntRange{1, 4096});
    v(P, "ndf", ndf, IntRange{1, 4096});
    v(P, "d_blocks", d_blocks, IntRange{0, 64});
  }
};

// Network settings that change results but not shapes, and the data settings (§1).
struct ScaData {
  double sigma = 12.0;       // heatmap Gaussian sigma (pixels)
  int64_t bep_radius = 20;   // BEP2 patch half size
  double bep_threshold = 0.1;
  double xdog_sigma = 0.8, xdog_k = 1.6, xdog_gamma = 0.98, xdog_phi = 200.0, xdog_eps = -0.1;
  int64_t pct_batch = 5, isn_batch = 3;
  int64_t epoch_size = 4000;  // pairs per epoch

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::Data;
    v(P, "sigma", sigma, NumRange{0.0, 1e6, true, false});
    v(P, "bep_radius", bep_radius, IntRange{0, 65536});
    v(P, "bep_threshold", bep_threshold, NumRange{0.0, 1.0});
    v(P, "xdog_sigma", xdog_sigma, NumRange{0.0, 1e3, true, false});
    v(P, "xdog_k", xdog_k, NumRange{0.0, 1e3, true, false});
    v(P, "xdog_gamma", xdog_gamma, NumRange{});
    v(P, "xdog_phi", xdog_phi, NumRange{});
    v(P, "xdog_eps", xdog_eps, NumRange{});
    v(P, "pct_batch", pct_batch, IntRange{1, 65536});
    v(P, "isn_batch", isn_batch, IntRange{1, 65536});
    v(P, "epoch_size", epoch_size, IntRange{1, int64_t(1) << 40});
  }
};

// Loss weights and the network behaviour that is not a shape (§3, §4).
struct ScaLossWeights {
  double content_weight = 0.0;  // CS block: W ex + (1 - W) px when W > 0, else ex + px
  // SCA-GAN Table 2 variants (scripts/demo.sh): "no_prior_transfer" feeds the IS-Net the source's edge map
  // EP1 instead of PCT-Net's fake_EP2; "no_content_branch" drops the CS blocks' edge branch (output px).
  std::string ablation = "none";
  double d_dropout = 0.5;
  double lambda_l1 = 1.0, lambda_per = 1.0, lambda_gan = 5.0, lambda_cx = 0.1;
  double cx_sigma = 0.5, cx_b = 1.0, cx_eps = 1e-5;
  std::string cx_preprocess = "imagenet";  // "none": the original's raw [-1, 1] input (Gatys' vgg_conv)
  double bn_momentum = 0.1, bn_eps = 1e-5;
  double init_std = 0.02;  // §3.4 (generators' conv / linear weights)

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::LossWeights;
    const NumRange non_negative{0.0};
    v(P, "content_weight", content_weight, NumRange{0.0, 1.0});
    v(P, "ablation", ablation, Choices{"none", "no_prior_transfer", "no_content_branch"});
    v(P, "d_dropout", d_dropout, NumRange{0.0, 1.0, false, true});
    v(P, "lambda_l1", lambda_l1, non_negative);
    v(P, "lambda_per", lambda_per, non_negative);
    v(P, "lambda_gan", lambda_gan, non_negative);
    v(P, "lambda_cx", lambda_cx, non_negative);
    v(P, "cx_sigma", cx_sigma, NumRange{0.0, 1e6, true, false});
    v(P, "cx_b", cx_b, NumRange{});
    v(P, "cx_eps", cx_eps, NumRange{0.0, 1.0, true, false});
    v(P, "cx_preprocess", cx_preprocess, Choices{"imagenet", "none"});
    v(P, "bn_momentum", bn_momentum, NumRange{0.0, 1.0});
    v(P, "bn_eps", bn_eps, NumRange{0.0, 1.0, true, false});
    v(P, "init_std", init_std, non_negative);
  }
};

// Adam of both phases (§5.1).
struct ScaOptimiser {
  double pct_lr = 2e-4, isn_lr = 1e-4, beta1 = 0.5, beta2 = 0.999, adam_eps = 1e-8;

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::Optimiser;
    v(P, "pct_lr", pct_lr, NumRange{0.0, 1.0});
    v(P, "isn_lr", isn_lr, NumRange{0.0, 1.0});
    v(P, "beta1", beta1, NumRange{0.0, 1.0, false, true});
    v(P, "beta2", beta2, NumRange{0.0, 1.0, false, true});
    v(P, "adam_eps", adam_eps, NumRange{0.0, 1.0, true, false});
  }
};

// Epochs of each phase (§5.2): niter at the base rate, then niter_decay with the linear decay.
struct ScaSchedule {
  int64_t pct_niter = 2, pct_niter_decay = 2, isn_niter = 200, isn_niter_decay = 200;

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::Schedule;
    v(P, "pct_niter", pct_niter, IntRange{0, 1000000});
    v(P, "pct_niter_decay", pct_niter_decay, IntRange{0, 1000000});
    v(P, "isn_niter", isn_niter, IntRange{0, 1000000});
    v(P, "isn_niter_decay", isn_niter_decay, IntRange{0, 1000000});
  }
};

struct ScaConfig : ScaModelShape, ScaData, ScaLossWeights, ScaOptimiser, ScaSchedule {
  template <class V>
  void visit_fields(V& v) {
    ScaModelShape::visit_fields(v);
    ScaData::visit_fields(v);
    ScaLossWeights::visit_fields(v);
    ScaOptimiser::visit_fields(v);
    ScaSchedule::visit_fields(v);
  }
  std::vector<ConfigField> fields() const { return list_fields(*this); }

  // s_0 = (H, W), s_{l+1} = (ceil(h_l / 2), ceil(w_l / 2)), l = 0..5 (docs/sca.md conventions).
  std::vector<std::pair<int64_t, int64_t>> level_sizes() const;

  // Throws dpt::Error naming the field when a value is out of range (H or W not divisible by 4 or < 36, ...).
  void validate() const;
  // All fields, keys sorted (the reference's json.dumps(asdict(cfg), sort_keys=True) up to spacing).
  Json to_json_value() const;
  std::string to_json() const { return to_json_value().dump(); }
  // Overlays the fields present in `obj`, checking type and range (errors name `what` and the key);
  // unknown keys are ignored (the reference's from_json).
  void update_from_json(const Json& obj, const std::string& what = "sca_config");
  // A checkpoint's sca_config: absent fields take the defaults (docs/sca.md section 8). Validates the result.
  static ScaConfig from_json(const std::string& text, const std::string& what = "sca_config");
};

bool operator==(const ScaConfig& a, const ScaConfig& b);
inline bool operator!=(const ScaConfig& a, const ScaConfig& b) { return !(a == b); }
// "key a -> b" for every field that differs ("" when equal); with `shapes_only`, ScaModelShape's fields.
std::string config_differences(const ScaConfig& a, const ScaConfig& b, bool shapes_only = false);

}  // namespace dpt
