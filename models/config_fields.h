// Configuration fields declared once and visited (Note [config fields]): JSON in and out, type and range
// checks that name the key, and field-by-field differences. Shared by every model family's configuration
// and by the trainer's options.
//
// Note [config fields]: a configuration part is a struct with a member template
//   template <class V> void visit_fields(V& v) { v(ConfigPart::X, "key", member, range); ... }
// listing each field once with its JSON key and allowed values. Members are int64_t or uint64_t (with an
// IntRange), double (NumRange, always finite) or std::string (Choices; empty = any text). The part a field
// belongs to decides whether an exact resume must match it (changes_results), so that rule is derived from
// where a field is declared, never listed per field.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "io/json.h"

namespace dpt {

enum class ConfigPart {
  ModelShape,   // decides parameter shapes: an --init checkpoint must match these
  LossWeights,  // loss terms and their weights
  Optimiser,    // learning rate, moments
  Data,         // image size, batch composition
  Results,      // other settings that change the numbers (seed, feature network, family)
  Schedule,     // how long each stage runs: a resume may extend it
  Run,          // where and how it runs (paths, threads, device, logging, checkpoint cadence)
};
// Every part except Schedule and Run changes what a run computes, so a resume must match those fields.
inline bool changes_results(ConfigPart p) { return p != ConfigPart::Schedule && p != ConfigPart::Run; }

struct IntRange {
  int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
};
struct NumRange {
  double lo = -std::numeric_limits<double>::max(), hi = std::numeric_limits<double>::max();
  bool lo_open = false, hi_open = false;  // exclusive bounds
};
using Choices = std::vector<std::string>;  // allowed strings; empty = any

// One field as JSON, with the part it belongs to.
struct ConfigField {
  std::string key;
  ConfigPart part;
  Json value;
};

// "'key' must be in [lo, hi], got v" when out of range (v as written in JSON).
std::string range_error(const std::string& key, const Json& v, const IntRange& r);
std::string range_error(const std::string& key, const Json& v, const NumRange& r);
std::string choice_error(const std::string& key, const std::string& v, const Choices& c);
// The valid key closest to `key` (edit distance), for "did you mean" hints; "" when none is close.
std::string closest_key(const std::string& key, const std::vector<std::string>& valid);

// Writes every field (in declaration order).
struct FieldLister {
  std::vector<ConfigField> fields;
  void operator()(ConfigPart p, const char* key, const int64_t& v, const IntRange&) { fields.push_back({key, p, Json(v)}); }
  void operator()(ConfigPart p, const char* key, const uint64_t& v, const IntRange&) {
    fields.push_back({key, p, Json(static_cast<int64_t>(v))});
  }
  void operator()(ConfigPart p, const char* key, const double& v, const NumRange&) { fields.push_back({key, p, Json(v)}); }
  void operator()(ConfigPart p, const char* key, const std::string& v, const Choices&) { fields.push_back({key, p, Json(v)}); }
};

// Reads the fields present in a JSON object, checking type and range; errors name `what` and the key.
// `seen` collects the keys it knew (the caller refuses the others where unknown keys are errors).
struct FieldReader {
  const Json& obj;
  std::string what;
  std::vector<std::string> seen;
  void operator()(ConfigPart, const char* key, int64_t& dst, const IntRange& r) {
    if (const Json* v = take(key)) dst = read_int(key, *v, r);
  }
  void operator()(ConfigPart, const char* key, uint64_t& dst, const IntRange& r) {
    if (const Json* v = take(key)) dst = static_cast<uint64_t>(read_int(key, *v, r));
  }
  void operator()(ConfigPart, const char* key, double& dst, const NumRange& r);
  void operator()(ConfigPart, const char* key, std::string& dst, const Choices& c);

 private:
  const Json* take(const char* key) {
    seen.push_back(key);
    return obj.find(key);
  }
  int64_t read_int(const char* key, const Json& v, const IntRange& r) const;
};

// Checks every field's range (for values set in code); errors say "<what>: 'key' ...".
struct FieldValidator {
  std::string what;
  void operator()(ConfigPart, const char* key, int64_t v, const IntRange& r) const;
  void operator()(ConfigPart, const char* key, uint64_t v, const IntRange& r) const;
  void operator()(ConfigPart, const char* key, double v, const NumRange& r) const;
  void operator()(ConfigPart, const char* key, const std::string& v, const Choices& c) const;
};

// Visits a const configuration part (visit_fields takes members by reference; the listers do not write).
template <class Part, class V>
void visit_const(const Part& part, V& v) {
  const_cast<Part&>(part).visit_fields(v);
}

template <class Part>
std::vector<ConfigField> list_fields(const Part& part) {
  FieldLister l;
  visit_const(part, l);
  return l.fields;
}

// Every field as one flat JSON object (declaration order, or sorted by key).
Json fields_to_json(const std::vector<ConfigField>& fields, bool sorted = false);

// "key a -> b" for every field where a and b differ and keep(part) is true, comma-separated, in a's
// order (a field only one side has shows as "(absent)").
template <class Keep>
std::string field_differences(const std::vector<ConfigField>& a, const std::vector<ConfigField>& b, Keep keep) {
  std::string out;
  auto add = [&out](const std::string& key, const std::string& sa, const std::string& sb) {
    if (sa != sb) out += (out.empty() ? "" : ", ") + key + " " + sa + " -> " + sb;
  };
  auto find = [](const std::vector<ConfigField>& v, const std::string& key) -> const ConfigField* {
    for (const auto& f : v)
      if (f.key == key) return &f;
    return nullptr;
  };
  for (const auto& fa : a) {
    if (!keep(fa.part)) continue;
    const ConfigField* fb = find(b, fa.key);
    add(fa.key, fa.value.dump(), fb ? fb->value.dump() : "(absent)");
  }
  for (const auto& fb : b)
    if (keep(fb.part) && !find(a, fb.key)) add(fb.key, "(absent)", fb.value.dump());
  return out;
}

// Refuses keys of `obj` not in `known`, naming `what`, the key and the closest valid key.
void refuse_unknown_keys(const Json& obj, const std::vector<std::string>& known, const std::string& what);

// What every family's configuration (Config, ScaConfig) derives from its field declarations the same way.

// Checks every declared field's range; errors say "<what>: 'key' ...". The family adds its cross-field rules.
template <class Cfg>
void check_field_ranges(const Cfg& cfg, const std::string& what) {
  FieldValidator check{what};
  visit_const(cfg, check);
}

// Overlays the fields present in `obj` (a JSON object) on `cfg`, checking each value's type and range
// (errors name `what` and the key); unknown keys are ignored.
template <class Cfg>
void read_fields(Cfg& cfg, const Json& obj, const std::string& what) {
  DPT_CHECK(obj.is_object(), what << ": expected a JSON object, got " << obj.type_name());
  FieldReader read{obj, what, {}};
  cfg.visit_fields(read);
}

// A checkpoint's configuration from its JSON text: an object holding every key of `required`, overlaid on
// the defaults with Cfg::update_from_json, then Cfg::validate(); every error is prefixed with `what`.
template <class Cfg>
Cfg config_from_json(const std::string& text, const std::string& what, const std::vector<const char*>& required = {}) {
  const Json j = parse_json(text, what);
  DPT_CHECK(j.is_object(), what << ": expected a JSON object, got " << j.type_name());
  for (const char* k : required) DPT_CHECK(j.contains(k), what << ": required field '" << k << "' is missing");
  Cfg c;
  c.update_from_json(j, what);
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  return c;
}

// config_differences of a family: every field, or with `shapes_only` the ModelShape part's.
inline std::string config_field_differences(const std::vector<ConfigField>& a, const std::vector<ConfigField>& b,
                                            bool shapes_only) {
  return field_differences(a, b, [&](ConfigPart p) { return !shapes_only || p == ConfigPart::ModelShape; });
}

}  // namespace dpt
