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
  FieldValidator check{"sca_config"};
  visit_const(*this, check);
  // PCT-Net's two stride-2 levels must come back to H x W; the IS-Net's fifth level (s_4) needs 3 pixels
  // for its reflect padding and s_5 >= 2 (H, W >= 33, i.e. >= 36 with the divisibility).
  DPT_CHECK(H % 4 == 0 && W % 4 == 0,
            "sca_config: 'H' and 'W' must be divisible by 4 and >= 36, got H " << H << ", W " << W);
}

Json ScaConfig::to_json_value() const { return fields_to_json(fields(), /*sorted=*/true); }

void ScaConfig::update_from_json(const Json& obj, const std::string& what) {
  DPT_CHECK(obj.is_object(), what << ": expected a JSON object, got " << obj.type_name());
  FieldReader read{obj, what, {}};
  visit_fields(read);
}

ScaConfig ScaConfig::from_json(const std::string& text, const std::string& what) {
  Json j = parse_json(text, what);
  DPT_CHECK(j.is_object(), what << ": expected a JSON object, got " << j.type_name());
  ScaConfig c;
  c.update_from_json(j, what);
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  return c;
}

bool operator==(const ScaConfig& a, const ScaConfig& b) { return a.to_json() == b.to_json(); }

std::string config_differences(const ScaConfig& a, const ScaConfig& b, bool shapes_only) {
  return field_differences(a.fields(), b.fields(),
                           [&](ConfigPart p) { return !shapes_only || p == ConfigPart::ModelShape; });
}

}  // namespace dpt
