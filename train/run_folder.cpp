// RunFolder (see run_folder.h).
#include "train/run_folder.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/error.h"
#include "io/file_io.h"

namespace dpt {

void make_dirs(const std::string& path) {
  std::string cur;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!cur.empty()) mkdir(cur.c_str(), 0755);
    }
    if (i < path.size()) cur += path[i];
  }
  struct stat st;
  DPT_CHECK(stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode), "cannot create the folder " << path);
}

RunFolder RunFolder::open(const std::string& out, std::vector<std::string> stage_order) {
  DPT_CHECK(!out.empty(), "run folder: 'out' is empty (pass --out DIR)");
  DPT_CHECK(!stage_order.empty(), "run folder " << out << ": the model family lists no stages");
  for (const std::string& s : stage_order)
    DPT_CHECK(!s.empty() && s.find('-') == std::string::npos && s.find('/') == std::string::npos,
              "run folder: stage name '" << s << "' cannot name checkpoint files (no '-' or '/')");
  return RunFolder(out, std::move(stage_order));
}

void RunFolder::prepare() {
  for (const std::string& d : {out_, checkpoints_dir(), samples_dir(), plots_dir()}) make_dirs(d);
}

void RunFolder::write_config(const Json& config) {
  const std::string text = config.dump() + "\n";
  write_file_atomic(out_ + "/config.json", text.data(), text.size());
}

void RunFolder::append_loss(const Json& record) {
  if (!log_) {
    log_ = std::make_shared<std::ofstream>(out_ + "/losses.jsonl", std::ios::app);
    DPT_CHECK(*log_, "cannot write " << out_ << "/losses.jsonl");
  }
  *log_ << record.dump() << "\n";
  log_->flush();
  DPT_CHECK(*log_, "cannot write " << out_ << "/losses.jsonl");
}

std::string RunFolder::checkpoint_path(const std::string& stage, int64_t step) const {
  char b[64];
  std::snprintf(b, sizeof b, "-%07lld.safetensors", static_cast<long long>(step));
  return checkpoints_dir() + "/" + stage + b;
}

std::vector<std::string> RunFolder::checkpoints() const {
  const std::string dir = checkpoints_dir();
  std::vector<std::pair<std::pair<size_t, std::string>, std::string>> found;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      const size_t dash = n.find('-');
      if (n.size() <= 12 || n.compare(n.size() - 12, 12, ".safetensors") != 0 || dash == std::string::npos) continue;
      auto it = std::find(stage_order_.begin(), stage_order_.end(), n.substr(0, dash));
      if (it == stage_order_.end()) continue;
      found.push_back({{static_cast<size_t>(it - stage_order_.begin()), n}, dir + "/" + n});
    }
    closedir(d);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(f.second);
  return out;
}

std::string RunFolder::latest_checkpoint() const {
  auto all = checkpoints();
  return all.empty() ? "" : all.back();
}

void RunFolder::rotate(int64_t keep_last) const {
  DPT_CHECK(keep_last >= 1, "run folder: keep_last must be >= 1, got " << keep_last);
  auto all = checkpoints();
  for (size_t i = 0; i + static_cast<size_t>(keep_last) < all.size(); ++i) std::remove(all[i].c_str());
}

}  // namespace dpt
