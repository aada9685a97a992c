// Config <-> JSON (the checkpoint's dpt_config) and validation, from the field declarations.
#include "models/dpt/config.h"

#include "core/error.h"

namespace dpt {

namespace {
bool is_pow2(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }
}  // namespace

void Config::validate() const {
  FieldValidator check{"config"};
  visit_const(*this, check);
  DPT_CHECK(H % 8 == 0 && W % 8 == 0, "config: H and W must be divisible by 8 and >= 24, got H " << H << ", W " << W);
  DPT_CHECK(is_pow2(S), "config: S must be a power of two >= 8, got " << S);
}

Json Config::to_json_value() const { return fields_to_json(fields(), /*sorted=*/true); }

void Config::update_from_json(const Json& obj, const std::string& what) {
  DPT_CHECK(obj.is_object(), what << ": expected a JSON object, got " << obj.type_name());
  FieldReader read{obj, what, {}};
  visit_fields(read);
}

Config Config::from_json(const std::string& text, const std::string& what) {
  Json j = parse_json(text, what);
  DPT_CHECK(j.is_object(), what << ": expected a JSON object, got " << j.type_name());
  for (const char* k : {"H", "W", "ngf", "ndf", "S", "pose_encoding"})
    DPT_CHECK(j.contains(k), what << ": required field '" << k << "' is missing");
  Config c;
  c.update_from_json(j, what);
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  return c;
}

bool operator==(const Config& a, const Config& b) { return a.to_json() == b.to_json(); }

std::string config_differences(const Config& a, const Config& b, bool shapes_only) {
  return field_differences(a.fields(), b.fields(),
                           [&](ConfigPart p) { return !shapes_only || p == ConfigPart::ModelShape; });
}

}  // namespace dpt
