// TrainOptions parsing, validation and presets (see options.h).
#include "train/options.h"

#include <sys/stat.h>

#include <cmath>
#include <type_traits>

#include "core/error.h"
#include "io/file_io.h"

namespace dpt {

namespace {
const char* kStages[] = {"predictive", "inpainting", "blending"};

template <class T>
void read_field(const Json& obj, const char* key, T& dst, const std::string& what) {
  const Json* v = obj.find(key);
  if (!v) return;
  if constexpr (std::is_same_v<T, std::string>) {
    DPT_CHECK(v->is_string(), what << ": '" << key << "' must be a string, got " << v->type_name());
    dst = v->as_string();
  } else if constexpr (std::is_floating_point_v<T>) {
    DPT_CHECK(v->is_number(), what << ": '" << key << "' must be a number, got " << v->type_name());
    dst = v->as_number();
  } else {
    DPT_CHECK(v->is_int(), what << ": '" << key << "' must be an integer, got " << v->type_name());
    dst = static_cast<T>(v->as_int());
  }
}
}  // namespace

std::vector<std::string> TrainOptions::stage_list() const {
  if (stages == "all") return {kStages[0], kStages[1], kStages[2]};
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= stages.size()) {
    size_t end = stages.find(',', start);
    std::string s = stages.substr(start, end == std::string::npos ? std::string::npos : end - start);
    bool known = false;
    for (const char* k : kStages) known = known || s == k;
    DPT_CHECK(known, "unknown stage '" << s << "' (expected predictive, inpainting, blending or all)");
    out.push_back(s);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

int64_t TrainOptions::steps_for(const std::string& stage, int64_t num_items) const {
  if (epochs > 0) return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(epochs * num_items / model.batch)));
  if (stage == "predictive") return predictive_steps;
  if (stage == "inpainting") return inpainting_steps;
  return blending_steps;
}

Json TrainOptions::to_json() const {
  Json j = model.to_json_value();
  j.set("data", data);
  j.set("out", out);
  j.set("stages", stages);
  j.set("predictive_steps", predictive_steps);
  j.set("inpainting_steps", inpainting_steps);
  j.set("blending_steps", blending_steps);
  j.set("epochs", epochs);
  j.set("init", init);
  j.set("vgg", vgg);
  j.set("vgg_width_div", vgg_width_div);
  j.set("device", device);
  j.set("conv_backend", conv_backend);
  j.set("threads", threads);
  j.set("seed", static_cast<int64_t>(seed));
  j.set("sample_every", sample_every);
  j.set("checkpoint_every", checkpoint_every);
  j.set("keep_last", keep_last);
  j.set("log_every", log_every);
  j.set("preset", preset);
  return j;
}

void TrainOptions::update_from_json(const Json& obj, const std::string& what) {
  DPT_CHECK(obj.is_object(), what << ": the configuration must be a JSON object");
  model.update_from_json(obj, what);
  read_field(obj, "data", data, what);
  read_field(obj, "out", out, what);
  read_field(obj, "stages", stages, what);
  read_field(obj, "predictive_steps", predictive_steps, what);
  read_field(obj, "inpainting_steps", inpainting_steps, what);
  read_field(obj, "blending_steps", blending_steps, what);
  read_field(obj, "epochs", epochs, what);
  read_field(obj, "init", init, what);
  read_field(obj, "vgg", vgg, what);
  read_field(obj, "vgg_width_div", vgg_width_div, what);
  read_field(obj, "device", device, what);
  read_field(obj, "conv_backend", conv_backend, what);
  read_field(obj, "threads", threads, what);
  read_field(obj, "seed", seed, what);
  read_field(obj, "sample_every", sample_every, what);
  read_field(obj, "checkpoint_every", checkpoint_every, what);
  read_field(obj, "keep_last", keep_last, what);
  read_field(obj, "log_every", log_every, what);
  read_field(obj, "preset", preset, what);
}

void TrainOptions::set(const std::string& kv) {
  size_t eq = kv.find('=');
  DPT_CHECK(eq != std::string::npos && eq > 0, "--set expects key=value, got '" << kv << "'");
  std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
  Json v;
  try {
    v = parse_json(value, "--set " + key);
  } catch (const Error&) {
    v = Json(value);  // a bare word: a string
  }
  Json known = to_json();
  DPT_CHECK(known.contains(key), "--set: unknown option '" << key << "'");
  Json obj = Json::object();
  obj.set(key, v);
  update_from_json(obj, "--set " + key);
}

void TrainOptions::validate() const {
  model.validate();
  stage_list();
  DPT_CHECK(!data.empty(), "no dataset: pass --data DIR (a folder in the layout of ARCHITECTURE.md section 7)");
  for (int64_t v : {predictive_steps, inpainting_steps, blending_steps})
    DPT_CHECK(v >= 0, "step counts must be >= 0");
  DPT_CHECK(sample_every > 0 && checkpoint_every > 0 && keep_last > 0 && log_every > 0,
            "sample_every, checkpoint_every, keep_last and log_every must be positive");
  DPT_CHECK(model.K >= 1, "K (views per person) must be >= 1");
  DPT_CHECK(vgg_width_div >= 1 && 64 % vgg_width_div == 0, "vgg_width_div must divide 64, got " << vgg_width_div);
}

TrainOptions load_train_options(const std::string& path) {
  TrainOptions o;
  std::vector<uint8_t> bytes = read_file_bytes(path, 1 << 20);
  o.update_from_json(parse_json(std::string(bytes.begin(), bytes.end()), path), path);
  return o;
}

std::string preset_path(const std::string& name) {
  struct stat st;
  if (stat(name.c_str(), &st) == 0) return name;
  std::string p = std::string(DPT_SOURCE_DIR) + "/configs/" + name + ".json";
  DPT_CHECK(stat(p.c_str(), &st) == 0, "unknown preset or config file '" << name << "' (presets: tiny, cpu, paper in "
                                                                         << DPT_SOURCE_DIR << "/configs)");
  return p;
}

}  // namespace dpt
