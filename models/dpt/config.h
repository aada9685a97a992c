// The Dense Pose Transfer configuration (the checkpoint's "dpt_config" metadata, whose JSON fields and
// defaults are the reference's Config dataclass), split into its parts: network shapes, loss weights,
// optimiser, data. Each part declares its fields once (Note [config fields] in models/config_fields.h);
// JSON, range checks and differences are derived from those declarations.
#pragma once
#include <cstdint>
#include <string>

#include "io/json.h"
#include "models/config_fields.h"

namespace dpt {

// Decides the parameter shapes (an --init checkpoint must match these).
struct DptModelShape {
  int64_t ngf = 64, ndf = 64;
  int64_t S = 256;                    // UV tile size: atlas [6S, 4S]; a power of two >= 8
  std::string pose_encoding = "iuv";  // "iuv" (3 ch) or "onehot" (26 ch, ablation)
  // Inpainter widths: c(j) = min(inpaint_base * 2^j, inpaint_max); fusion width emb.
  int64_t inpaint_base = 32, inpaint_max = 128, emb = 256;

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::ModelShape;
    v(P, "ngf", ngf, IntRange{1, 1024});
    v(P, "ndf", ndf, IntRange{1, 1024});
    v(P, "S", S, IntRange{8, 4096});
    v(P, "pose_encoding", pose_encoding, Choices{"iuv", "onehot"});
    v(P, "inpaint_base", inpaint_base, IntRange{1, 4096});
    v(P, "inpaint_max", inpaint_max, IntRange{1, 4096});
    v(P, "emb", emb, IntRange{1, 65536});
  }
};

// Loss weights (docs/dpt.md section 5).
struct DptLossWeights {
  double lambda_l1 = 1.0, lambda_p = 0.5, lambda_s = 5e5, lambda_gan = 0.1;
  double pred_lambda_p = 0.0;  // perceptual term of the predictive stage (needs VGG19)

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::LossWeights;
    const NumRange non_negative{0.0};
    v(P, "lambda_l1", lambda_l1, non_negative);
    v(P, "lambda_p", lambda_p, non_negative);
    v(P, "lambda_s", lambda_s, non_negative);
    v(P, "lambda_gan", lambda_gan, non_negative);
    v(P, "pred_lambda_p", pred_lambda_p, non_negative);
  }
};

// Adam (section 6); lr 0 is allowed (weights stay as loaded).
struct DptOptimiser {
  double lr = 2e-4, beta1 = 0.5, beta2 = 0.999, adam_eps = 1e-8;

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::Optimiser;
    v(P, "lr", lr, NumRange{0.0, 1.0});
    v(P, "beta1", beta1, NumRange{0.0, 1.0, false, true});
    v(P, "beta2", beta2, NumRange{0.0, 1.0, false, true});
    v(P, "adam_eps", adam_eps, NumRange{0.0, 1.0, true, false});
  }
};

// Image size and batch composition.
struct DptData {
  int64_t H = 256, W = 256;  // image size (networks are fully convolutional; H, W divisible by 8, >= 24)
  int64_t batch = 8;
  int64_t K = 3;             // views per person in the inpainting stage

  template <class V>
  void visit_fields(V& v) {
    const auto P = ConfigPart::Data;
    v(P, "H", H, IntRange{24, 16384});
    v(P, "W", W, IntRange{24, 16384});
    v(P, "batch", batch, IntRange{1, 65536});
    v(P, "K", K, IntRange{1, 1024});
  }
};

// Activation recomputation (Note [recompute] in core/recompute.h): which activations a DPT training step
// computes again in backward instead of keeping them. It trades time for memory and changes no number
// (bitwise), so it is a Run field: not part of Config (the checkpoints' dpt_config), and a resume may
// change it. "inpainter": the inpainter's full-resolution decoder level (Inpainter::recompute_decoder);
// "vgg": the VGG19 loss network's forward on the generated image, one segment per tap
// (VGG19Features::recompute); "all": both.
struct DptRecompute {
  std::string recompute = "none";

  static const Choices& recompute_choices() {
    static const Choices c{"none", "inpainter", "vgg", "all"};
    return c;
  }
  bool recompute_inpainter() const { return recompute == "inpainter" || recompute == "all"; }
  bool recompute_vgg() const { return recompute == "vgg" || recompute == "all"; }

  template <class V>
  void visit_fields(V& v) {
    v(ConfigPart::Run, "recompute", recompute, recompute_choices());
  }
};

struct Config : DptModelShape, DptLossWeights, DptOptimiser, DptData {
  bool onehot() const { return pose_encoding == "onehot"; }
  int64_t enc_ch() const { return onehot() ? 26 : 3; }

  template <class V>
  void visit_fields(V& v) {
    DptModelShape::visit_fields(v);
    DptLossWeights::visit_fields(v);
    DptOptimiser::visit_fields(v);
    DptData::visit_fields(v);
  }
  std::vector<ConfigField> fields() const { return list_fields(*this); }

  // Throws dpt::Error naming the field when a value is out of range (S not a power of two >= 8, H or W
  // not divisible by 8 or < 24, non-positive widths, unknown pose_encoding, negative weights, ...).
  void validate() const;

  // All fields, keys sorted (the reference's json.dumps(asdict(cfg), sort_keys=True) up to spacing).
  Json to_json_value() const;
  std::string to_json() const { return to_json_value().dump(); }

  // Overlays the fields present in `obj` (a JSON object) on this config, checking each value's type and
  // range (errors name `what` and the key). Unknown keys are ignored here (as in the reference's
  // Config.from_json); TrainOptions refuses them in preset files. Cross-field rules: validate().
  void update_from_json(const Json& obj, const std::string& what = "config");
  // A checkpoint's dpt_config: H, W, ngf, ndf, S and pose_encoding are required, the rest default.
  // Validates the result.
  static Config from_json(const std::string& text, const std::string& what = "dpt_config");
};

bool operator==(const Config& a, const Config& b);
// "key a -> b" for every field that differs, comma-separated ("" when equal). With `shapes_only`, only
// the fields that decide parameter shapes (the DptModelShape part).
std::string config_differences(const Config& a, const Config& b, bool shapes_only = false);
inline bool operator!=(const Config& a, const Config& b) { return !(a == b); }

}  // namespace dpt
