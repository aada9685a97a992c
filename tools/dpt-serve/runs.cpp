// Run folder listing and incremental losses (see runs.h).
#include "tools/dpt-serve/runs.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <vector>

#include "core/error.h"
#include "io/file_io.h"

namespace dpt::serve {

namespace {

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') out.emplace_back(e->d_name);
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

double mtime(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<double>(st.st_mtime) : 0.0;
}

// The last complete record of losses.jsonl (read from the file's tail only).
Json last_record(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return Json();
  const std::streamoff size = f.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - 65536);
  f.seekg(from);
  std::string tail(static_cast<size_t>(size - from), '\0');
  f.read(&tail[0], static_cast<std::streamsize>(tail.size()));
  size_t end = tail.rfind('\n');
  while (end != std::string::npos && end > 0) {
    const size_t begin = tail.rfind('\n', end - 1);
    const std::string line =
        tail.substr(begin == std::string::npos ? 0 : begin + 1, end - (begin == std::string::npos ? 0 : begin + 1));
    try {
      if (!line.empty()) return parse_json(line, "losses.jsonl");
    } catch (const Error&) {
    }
    if (begin == std::string::npos) break;
    end = begin;
  }
  return Json();
}

// Sample grids "<stage>-<step>.png", ordered by the stage's first appearance in `stage_order`, then step.
Json sample_list(const std::string& dir, const std::vector<std::string>& stage_order) {
  struct Sample {
    size_t stage_rank;
    int64_t step;
    std::string name;
  };
  std::vector<Sample> v;
  for (const auto& n : entries(dir)) {
    if (!ends_with(n, ".png")) continue;
    const size_t dash = n.rfind('-');
    const std::string stage = dash == std::string::npos ? "" : n.substr(0, dash);
    const int64_t step = dash == std::string::npos ? 0 : std::atoll(n.c_str() + dash + 1);
    const size_t rank = std::find(stage_order.begin(), stage_order.end(), stage) - stage_order.begin();
    v.push_back({rank, step, n});
  }
  std::sort(v.begin(), v.end(), [](const Sample& a, const Sample& b) {
    return a.stage_rank != b.stage_rank ? a.stage_rank < b.stage_rank
           : a.step != b.step           ? a.step < b.step
                                        : a.name < b.name;
  });
  Json out = Json::array();
  for (const auto& s : v) out.push_back("samples/" + s.name);
  return out;
}

double number(const Json& config, const std::string& key) {
  const Json* v = config.find(key);
  return v && v->is_number() ? v->as_number() : 0.0;
}

// The steps of a stage from the configuration, 0 when unknown. DPT: <stage>_steps. SCA-GAN: (niter +
// niter_decay) epochs of ceil(epoch_size / batch) steps, for pctnet (pct_*) and isnet (isn_*).
double stage_steps(const Json& config, const std::string& family, const std::string& stage) {
  if (family != "sca") return number(config, stage + "_steps");
  const std::string p = stage == "pctnet" ? "pct_" : stage == "isnet" ? "isn_" : "";
  const double epoch = number(config, "epoch_size"), batch = number(config, p + "batch");
  if (p.empty() || epoch <= 0 || batch <= 0) return 0.0;
  return (number(config, p + "niter") + number(config, p + "niter_decay")) * std::ceil(epoch / batch);
}

Json describe_run(const std::string& dir, const std::string& name) {
  Json run = Json::object();
  run.set("name", name);
  Json config = Json::object();
  try {
    if (file_exists(dir + "/config.json")) config = read_json_file(dir + "/config.json");
  } catch (const Error& e) {
    run.set("config_error", std::string(e.what()));
  }
  const Json* fam = config.find("family");
  const std::string family = fam && fam->is_string() ? fam->as_string() : "dpt";
  run.set("family", family);
  run.set("config", config);
  // Stage order: the order the stages appear in losses.jsonl is unknown here; use the families' own.
  const std::vector<std::string> order = family == "sca"
                                             ? std::vector<std::string>{"pctnet", "isnet"}
                                             : std::vector<std::string>{"predictive", "inpainting", "blending"};
  const std::string log = dir + "/losses.jsonl";
  const Json last = last_record(log);
  run.set("updated", mtime(log));
  run.set("live", file_exists(log) && std::difftime(std::time(nullptr), static_cast<time_t>(mtime(log))) < 60);
  if (last.is_object()) {
    const Json* stage = last.find("stage");
    const Json* step = last.find("step");
    const Json* time = last.find("time");
    if (stage && stage->is_string()) run.set("stage", stage->as_string());
    if (step && step->is_number()) run.set("step", step->as_number());
    // ETA of the current stage: its seconds per step so far times the steps left (<stage>_steps).
    if (stage && stage->is_string() && step && step->is_number() && time && time->is_number()) {
      const double total = stage_steps(config, family, stage->as_string());
      if (total > 0 && step->as_number() > 0) {
        const double left = total - step->as_number();
        run.set("stage_steps", total);
        run.set("eta_seconds", left > 0 ? time->as_number() / step->as_number() * left : 0.0);
      }
    }
  }
  run.set("samples", sample_list(dir + "/samples", order));
  // Evaluation outputs: *.json next to config.json (not config.json) and everything under eval/.
  Json evals = Json::array();
  for (const auto& n : entries(dir))
    if (ends_with(n, ".json") && n != "config.json") evals.push_back(n);
  for (const auto& n : entries(dir + "/eval"))
    if (ends_with(n, ".json") || ends_with(n, ".png")) evals.push_back("eval/" + n);
  run.set("eval", evals);
  Json ckpts = Json::array();
  for (const auto& n : entries(dir))
    if (ends_with(n, ".safetensors")) ckpts.push_back(n);
  for (const auto& n : entries(dir + "/checkpoints"))
    if (ends_with(n, ".safetensors")) ckpts.push_back("checkpoints/" + n);
  run.set("checkpoints", ckpts);
  return run;
}

bool is_run(const std::string& dir) { return file_exists(dir + "/config.json") || file_exists(dir + "/losses.jsonl"); }

}  // namespace

Json list_runs(const std::string& runs_root) {
  Json out = Json::array();
  if (is_run(runs_root)) out.push_back(describe_run(runs_root, "."));
  // Two levels: DIR/<run> and DIR/<group>/<run> (the demo keeps its SCA-GAN runs in out/demo/sca/<variant>).
  for (const auto& n : entries(runs_root)) {
    const std::string dir = runs_root + "/" + n;
    if (!is_dir(dir)) continue;
    if (is_run(dir)) {
      out.push_back(describe_run(dir, n));
      continue;
    }
    for (const auto& m : entries(dir))
      if (is_dir(dir + "/" + m) && is_run(dir + "/" + m)) out.push_back(describe_run(dir + "/" + m, n + "/" + m));
  }
  return out;
}

Json read_losses(const std::string& run_dir, int64_t offset) {
  const std::string path = run_dir + "/losses.jsonl";
  Json out = Json::object();
  Json records = Json::array();
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  int64_t size = f ? static_cast<int64_t>(f.tellg()) : 0;
  if (offset < 0 || offset > size) offset = 0;
  if (f && size > offset) {
    f.seekg(offset);
    std::string text(static_cast<size_t>(size - offset), '\0');
    f.read(&text[0], static_cast<std::streamsize>(text.size()));
    size_t start = 0, nl;
    while ((nl = text.find('\n', start)) != std::string::npos) {
      const std::string line = text.substr(start, nl - start);
      try {
        if (!line.empty()) records.push_back(parse_json(line, "losses.jsonl"));
      } catch (const Error&) {
      }
      start = nl + 1;
    }
    offset += static_cast<int64_t>(start);
  }
  out.set("offset", offset);
  out.set("size", size);
  out.set("records", records);
  return out;
}

}  // namespace dpt::serve
