// ScaConfig <-> JSON (the checkpoint's sca_config) and validation, from the field declarations.
#include "models/sca/config.h"

#include "core/error.h"

namespace dpt {

std::vector<std::pair<int64_t, int64_t>> ScaConfig::level_sizes() const {
  std::vector<std::pair<int64_t, int64_t>> s{{H, W}};
  for (int l = 0; l < 5; ++l) s.emplace_back((s.back().first + 1) / 2, (s.back().second + 1) / 2);
  return s;
}

void ScaConfig::validate() const {
  check_field_ranges(*this, "sca_config");
  // PCT-Net's two stride-2 levels must come back to H x W; the IS-Net's fifth level (s_4) needs 3 pixels
  // for its reflect padding and s_5 >= 2 (H, W >= 33, i.e. >= 36 with the divisibility).
  DPT_CHECK(H % 4 == 0 && W % 4 == 0,
            "sca_config: 'H' and 'W' must be divisible by 4 and >= 36, got H " << H << ", W " << W);
}

Json ScaConfig::to_json_value() const { return fields_to_json(fields(), /*sorted=*/true); }

void ScaConfig::update_from_json(const Json& obj, const std::string& what) { read_fields(*this, obj, what); }

ScaConfig ScaConfig::from_json(const std::string& text, const std::string& what) {
  return config_from_json<ScaConfig>(text, what);
}

bool operator==(const ScaConfig& a, const ScaConfig& b) { return a.to_json() == b.to_json(); }

std::string config_differences(const ScaConfig& a, const ScaConfig& b, bool shapes_only) {
  return config_field_differences(a.fields(), b.fields(), shapes_only);
}

}  // namespace dpt
