// Config <-> JSON (the checkpoint's dpt_config) and validation, from the field declarations.
#include "models/dpt/config.h"

#include "core/error.h"

namespace dpt {

namespace {
bool is_pow2(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }
}  // namespace

void Config::validate() const {
  check_field_ranges(*this, "config");
  DPT_CHECK(H % 8 == 0 && W % 8 == 0, "config: H and W must be divisible by 8 and >= 24, got H " << H << ", W " << W);
  DPT_CHECK(is_pow2(S), "config: S must be a power of two >= 8, got " << S);
}

Json Config::to_json_value() const { return fields_to_json(fields(), /*sorted=*/true); }

void Config::update_from_json(const Json& obj, const std::string& what) { read_fields(*this, obj, what); }

Config Config::from_json(const std::string& text, const std::string& what) {
  return config_from_json<Config>(text, what, {"H", "W", "ngf", "ndf", "S", "pose_encoding"});
}

bool operator==(const Config& a, const Config& b) { return a.to_json() == b.to_json(); }

std::string config_differences(const Config& a, const Config& b, bool shapes_only) {
  return config_field_differences(a.fields(), b.fields(), shapes_only);
}

}  // namespace dpt
