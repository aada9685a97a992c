// The model/training configuration of ARCHITECTURE.md (section 8's "dpt_config" checkpoint metadata):
// the JSON fields and defaults of the reference's Config dataclass, parsing and serialisation.
#pragma once
#include <cstdint>
#include <string>

#include "io/json.h"

namespace dpt {

struct Config {
  int64_t H = 256, W = 256;  // image size (networks are fully convolutional; H, W divisible by 8, >= 24)
  int64_t ngf = 64, ndf = 64;
  int64_t S = 256;           // UV tile size: atlas [6S, 4S]; a power of two >= 8
  int64_t batch = 8;
  int64_t K = 3;             // views per person in the inpainting stage
  std::string pose_encoding = "iuv";  // "iuv" (3 ch) or "onehot" (26 ch, ablation)
  // Inpainter widths: c(j) = min(inpaint_base * 2^j, inpaint_max); fusion width emb.
  int64_t inpaint_base = 32, inpaint_max = 128, emb = 256;
  // Loss weights (section 5) and optimiser (section 6).
  double lambda_l1 = 1.0, lambda_p = 0.5, lambda_s = 5e5, lambda_gan = 0.1;
  double pred_lambda_p = 0.0;
  double lr = 2e-4, beta1 = 0.5, beta2 = 0.999, adam_eps = 1e-8;

  bool onehot() const { return pose_encoding == "onehot"; }
  int64_t enc_ch() const { return onehot() ? 26 : 3; }

  // Throws dpt::Error naming the field when a value is out of range (S not a power of two >= 8, H or W
  // not divisible by 8 or < 24, non-positive widths, unknown pose_encoding, ...).
  void validate() const;

  // All fields, keys sorted (the reference's json.dumps(asdict(cfg), sort_keys=True) up to spacing).
  Json to_json_value() const;
  std::string to_json() const { return to_json_value().dump(); }

  // Overlays the fields present in `obj` (a JSON object) on this config; unknown keys are ignored (as in
  // the reference); a wrong type is an error naming `what` and the key. Does not validate.
  void update_from_json(const Json& obj, const std::string& what = "config");
  // A checkpoint's dpt_config: H, W, ngf, ndf, S and pose_encoding are required, the rest default.
  // Validates the result.
  static Config from_json(const std::string& text, const std::string& what = "dpt_config");
};

bool operator==(const Config& a, const Config& b);
// "key a -> b" for every field that differs, comma-separated ("" when equal). With `shapes_only`, only
// the fields that decide parameter shapes (ngf, ndf, S, pose_encoding, inpaint_base, inpaint_max, emb).
std::string config_differences(const Config& a, const Config& b, bool shapes_only = false);
inline bool operator!=(const Config& a, const Config& b) { return !(a == b); }

}  // namespace dpt
