// TrainOptions parsing, validation and presets (see options.h), derived from the field declarations.
#include "train/options.h"

#include <sys/stat.h>

#include "core/error.h"
#include "io/file_io.h"

namespace dpt {

Json TrainOptions::to_json() const { return fields_to_json(fields()); }

void TrainOptions::update_from_json(const Json& obj, const std::string& what, bool allow_unknown) {
  DPT_CHECK(obj.is_object(), what << ": the configuration must be a JSON object, got " << obj.type_name());
  FieldReader read{obj, what, {}};
  visit_fields(read);
  if (!allow_unknown) refuse_unknown_keys(obj, read.seen, what);
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
  Json obj = Json::object();
  obj.set(key, v);
  update_from_json(obj, "--set " + key);
}

void TrainOptions::validate() const {
  FieldValidator check{"options"};
  visit_const(*this, check);
  if (family == "sca")
    sca.validate();
  else
    model.validate();
  DPT_CHECK(!data.empty(), "no dataset: pass --data DIR (a folder in the layout of "
                               << (family == "sca" ? "docs/sca.md section 1" : "docs/dpt.md section 7") << ")");
  DPT_CHECK(64 % vgg_width_div == 0, "options: 'vgg_width_div' must divide 64, got " << vgg_width_div);
}

std::string resume_differences(const TrainOptions& checkpoint, const TrainOptions& run) {
  return field_differences(checkpoint.fields(), run.fields(), changes_results);
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
