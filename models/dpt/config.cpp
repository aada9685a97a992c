// Config <-> JSON (the checkpoint's dpt_config) and validation.
#include "models/dpt/config.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "core/error.h"

namespace dpt {

namespace {
int64_t get_int(const Json& v, const std::string& what, const std::string& key) {
  DPT_CHECK(v.is_number(), what << ": '" << key << "' must be an integer, got " << v.type_name());
  if (v.is_int()) return v.as_int();
  double d = v.as_number();  // accept 256.0
  DPT_CHECK(std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15,
            what << ": '" << key << "' must be an integer, got " << d);
  return static_cast<int64_t>(d);
}
double get_num(const Json& v, const std::string& what, const std::string& key) {
  DPT_CHECK(v.is_number(), what << ": '" << key << "' must be a number, got " << v.type_name());
  return v.as_number();
}
bool is_pow2(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }
}  // namespace

void Config::validate() const {
  DPT_CHECK(H >= 24 && W >= 24 && H % 8 == 0 && W % 8 == 0,
            "config: H and W must be divisible by 8 and >= 24, got H " << H << ", W " << W);
  DPT_CHECK(ngf > 0 && ndf > 0, "config: ngf and ndf must be positive, got " << ngf << ", " << ndf);
  DPT_CHECK(S >= 8 && is_pow2(S), "config: S must be a power of two >= 8, got " << S);
  DPT_CHECK(batch > 0 && K > 0, "config: batch and K must be positive, got " << batch << ", " << K);
  DPT_CHECK(pose_encoding == "iuv" || pose_encoding == "onehot",
            "config: pose_encoding must be \"iuv\" or \"onehot\", got \"" << pose_encoding << "\"");
  DPT_CHECK(inpaint_base > 0 && inpaint_max > 0 && emb > 0,
            "config: inpaint_base, inpaint_max, emb must be positive, got " << inpaint_base << ", " << inpaint_max
                                                                             << ", " << emb);
}

Json Config::to_json_value() const {
  // Keys in sorted (byte) order, like the reference's sort_keys=True.
  Json j = Json::object();
  j.set("H", H);
  j.set("K", K);
  j.set("S", S);
  j.set("W", W);
  j.set("adam_eps", adam_eps);
  j.set("batch", batch);
  j.set("beta1", beta1);
  j.set("beta2", beta2);
  j.set("emb", emb);
  j.set("inpaint_base", inpaint_base);
  j.set("inpaint_max", inpaint_max);
  j.set("lambda_gan", lambda_gan);
  j.set("lambda_l1", lambda_l1);
  j.set("lambda_p", lambda_p);
  j.set("lambda_s", lambda_s);
  j.set("lr", lr);
  j.set("ndf", ndf);
  j.set("ngf", ngf);
  j.set("pose_encoding", pose_encoding);
  j.set("pred_lambda_p", pred_lambda_p);
  return j;
}

void Config::update_from_json(const Json& obj, const std::string& what) {
  DPT_CHECK(obj.is_object(), what << ": expected a JSON object, got " << obj.type_name());
  for (const auto& kv : obj.as_object()) {
    const std::string& k = kv.first;
    const Json& v = kv.second;
    if (k == "H") H = get_int(v, what, k);
    else if (k == "W") W = get_int(v, what, k);
    else if (k == "ngf") ngf = get_int(v, what, k);
    else if (k == "ndf") ndf = get_int(v, what, k);
    else if (k == "S") S = get_int(v, what, k);
    else if (k == "batch") batch = get_int(v, what, k);
    else if (k == "K") K = get_int(v, what, k);
    else if (k == "inpaint_base") inpaint_base = get_int(v, what, k);
    else if (k == "inpaint_max") inpaint_max = get_int(v, what, k);
    else if (k == "emb") emb = get_int(v, what, k);
    else if (k == "pose_encoding") {
      DPT_CHECK(v.is_string(), what << ": 'pose_encoding' must be a string, got " << v.type_name());
      pose_encoding = v.as_string();
    } else if (k == "lambda_l1") lambda_l1 = get_num(v, what, k);
    else if (k == "lambda_p") lambda_p = get_num(v, what, k);
    else if (k == "lambda_s") lambda_s = get_num(v, what, k);
    else if (k == "lambda_gan") lambda_gan = get_num(v, what, k);
    else if (k == "pred_lambda_p") pred_lambda_p = get_num(v, what, k);
    else if (k == "lr") lr = get_num(v, what, k);
    else if (k == "beta1") beta1 = get_num(v, what, k);
    else if (k == "beta2") beta2 = get_num(v, what, k);
    else if (k == "adam_eps") adam_eps = get_num(v, what, k);
    // unknown keys: ignored, as Config.from_json in the reference does
  }
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
  static const char* kShapeFields[] = {"ngf", "ndf", "S", "pose_encoding", "inpaint_base", "inpaint_max", "emb"};
  const Json ja = a.to_json_value(), jb = b.to_json_value();
  std::string out;
  for (const auto& [key, va] : ja.as_object()) {
    if (shapes_only && std::find(std::begin(kShapeFields), std::end(kShapeFields), key) == std::end(kShapeFields))
      continue;
    const std::string sa = va.dump(), sb = jb.at(key).dump();
    if (sa != sb) out += (out.empty() ? "" : ", ") + key + " " + sa + " -> " + sb;
  }
  return out;
}

}  // namespace dpt
