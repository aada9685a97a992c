// Configuration field helpers (see config_fields.h).
#include "models/config_fields.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

namespace dpt {

namespace {
std::string bound(double v) {
  if (v >= std::numeric_limits<double>::max()) return "inf";
  if (v <= -std::numeric_limits<double>::max()) return "-inf";
  return Json(v).dump();
}
std::string bound(int64_t v) {
  if (v == std::numeric_limits<int64_t>::max()) return "inf";
  if (v == std::numeric_limits<int64_t>::min()) return "-inf";
  return std::to_string(v);
}
bool in_range(double d, const NumRange& r) {
  return std::isfinite(d) && (r.lo_open ? d > r.lo : d >= r.lo) && (r.hi_open ? d < r.hi : d <= r.hi);
}
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string range_error(const std::string& key, const Json& v, const IntRange& r) {
  return "'" + key + "' must be an integer in [" + bound(r.lo) + ", " + bound(r.hi) + "], got " + v.dump();
}

std::string range_error(const std::string& key, const Json& v, const NumRange& r) {
  std::string s = v.is_number() && !std::isfinite(v.as_number()) ? "non-finite" : v.dump();
  return "'" + key + "' must be a finite number in " + (r.lo_open ? "(" : "[") + bound(r.lo) + ", " + bound(r.hi) +
         (r.hi_open ? ")" : "]") + ", got " + s;
}

std::string choice_error(const std::string& key, const std::string& v, const Choices& c) {
  std::string list;
  for (const auto& s : c) list += (list.empty() ? "" : ", ") + s;
  return "'" + key + "' must be one of " + list + ", got \"" + v + "\"";
}

std::string closest_key(const std::string& key, const std::vector<std::string>& valid) {
  std::string best;
  size_t best_d = std::max<size_t>(2, key.size() / 3) + 1;  // only close matches are suggestions
  for (const auto& k : valid) {
    const size_t d = edit_distance(key, k);
    if (d < best_d) best_d = d, best = k;
  }
  return best;
}

int64_t FieldReader::read_int(const char* key, const Json& v, const IntRange& r) const {
  DPT_CHECK(v.is_number(), what << ": '" << key << "' must be an integer, got " << v.type_name());
  int64_t i = 0;
  if (v.is_int()) {
    i = v.as_int();
  } else {
    const double d = v.as_number();  // accept 256.0
    DPT_CHECK(std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15,
              what << ": '" << key << "' must be an integer, got " << v.dump());
    i = static_cast<int64_t>(d);
  }
  DPT_CHECK(i >= r.lo && i <= r.hi, what << ": " << range_error(key, Json(i), r));
  return i;
}

void FieldReader::operator()(ConfigPart, const char* key, double& dst, const NumRange& r) {
  const Json* v = take(key);
  if (!v) return;
  DPT_CHECK(v->is_number(), what << ": '" << key << "' must be a number, got " << v->type_name());
  DPT_CHECK(in_range(v->as_number(), r), what << ": " << range_error(key, *v, r));
  dst = v->as_number();
}

void FieldReader::operator()(ConfigPart, const char* key, std::string& dst, const Choices& c) {
  const Json* v = take(key);
  if (!v) return;
  DPT_CHECK(v->is_string(), what << ": '" << key << "' must be a string, got " << v->type_name());
  DPT_CHECK(c.empty() || std::find(c.begin(), c.end(), v->as_string()) != c.end(),
            what << ": " << choice_error(key, v->as_string(), c));
  dst = v->as_string();
}

void FieldValidator::operator()(ConfigPart, const char* key, int64_t v, const IntRange& r) const {
  DPT_CHECK(v >= r.lo && v <= r.hi, what << ": " << range_error(key, Json(v), r));
}
void FieldValidator::operator()(ConfigPart, const char* key, uint64_t v, const IntRange& r) const {
  DPT_CHECK(v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) && static_cast<int64_t>(v) >= r.lo &&
                static_cast<int64_t>(v) <= r.hi,
            what << ": '" << key << "' must be an integer in [" << r.lo << ", " << r.hi << "], got " << v);
}
void FieldValidator::operator()(ConfigPart, const char* key, double v, const NumRange& r) const {
  DPT_CHECK(in_range(v, r), what << ": " << range_error(key, std::isfinite(v) ? Json(v) : Json(), r));
}
void FieldValidator::operator()(ConfigPart, const char* key, const std::string& v, const Choices& c) const {
  DPT_CHECK(c.empty() || std::find(c.begin(), c.end(), v) != c.end(), what << ": " << choice_error(key, v, c));
}

Json fields_to_json(const std::vector<ConfigField>& fields, bool sorted) {
  Json j = Json::object();
  if (sorted) {
    std::map<std::string, const Json*> by_key;
    for (const auto& f : fields) by_key[f.key] = &f.value;
    for (const auto& [k, v] : by_key) j.set(k, *v);
  } else {
    for (const auto& f : fields) j.set(f.key, f.value);
  }
  return j;
}

void refuse_unknown_keys(const Json& obj, const std::vector<std::string>& known, const std::string& what) {
  for (const auto& kv : obj.as_object()) {
    if (std::find(known.begin(), known.end(), kv.first) != known.end()) continue;
    const std::string hint = closest_key(kv.first, known);
    DPT_FAIL(what << ": unknown key '" << kv.first << "'"
                  << (hint.empty() ? std::string(" (see --print-config for the valid keys)")
                                   : " (did you mean '" + hint + "'?)"));
  }
}

}  // namespace dpt
