// open_resume (see resume.h).
#include "train/resume.h"

#include "models/checkpoint.h"

namespace dpt {

namespace {
const std::string* meta(const SafetensorsFile& f, const std::string& key) {
  auto it = f.metadata().find(key);
  return it == f.metadata().end() ? nullptr : &it->second;
}

int64_t parse_step(const std::string& text, const std::string& path) {
  size_t used = 0;
  int64_t v = -1;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  DPT_CHECK(used == text.size() && v >= 0, path << ": the \"step\" metadata is not a step count: '" << text << "'");
  return v;
}
}  // namespace

std::vector<std::pair<std::string, Tensor>> ResumePoint::optimiser_state() const {
  std::vector<std::pair<std::string, Tensor>> state;
  if (file)
    for (const std::string& n : file->names())
      if (n.rfind("adam.", 0) == 0) state.emplace_back(n, file->tensor(n));
  return state;
}

ResumePoint open_resume(const std::string& path, const TrainOptions& opts, const ModelFamily& family) {
  ResumePoint r;
  r.path = path;
  r.file = std::make_shared<const SafetensorsFile>(SafetensorsFile::read(path));
  const SafetensorsFile& f = *r.file;
  require_family(f, path, family.name());
  const std::string *stage = meta(f, "stage"), *step = meta(f, "step"), *saved = meta(f, "train_options");
  DPT_CHECK(stage && step && saved, path << ": not a training checkpoint (no stage/step/train_options metadata); "
                                            "use it as weights with --init");
  try {
    family.stage_index(*stage);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  r.stage = *stage;
  r.step = parse_step(*step, path);

  TrainOptions then;
  then.update_from_json(parse_json(*saved, path + ": train_options"), path + ": train_options", /*allow_unknown=*/true);
  const std::string diff = resume_differences(then, opts);
  DPT_CHECK(diff.empty(), path << ": an exact resume needs the checkpoint's settings, but " << diff
                               << "; to start from its weights with new settings use --init");
  const std::string* data_then = meta(f, "data_fingerprint");
  const std::string data_now = family.data_fingerprint();
  DPT_CHECK(!data_then || data_now.empty() || *data_then == data_now,
            path << ": an exact resume needs the checkpoint's training data, but its sample/pair lists differ "
                    "(data fingerprint "
                 << *data_then << " -> " << data_now << "); to start from its weights use --init");
  return r;
}

}  // namespace dpt
