// RunFolder (see run_folder.h).
//
// Note [run folder]
// A run folder belongs to one process at a time and to one run:
// - Lock: prepare() takes flock(LOCK_EX | LOCK_NB) on <out>/.lock and writes its pid there; the lock
//   goes with the file descriptor, so the kernel drops it when the process ends however it ends (no
//   stale lock after a kill). A second trainer is refused naming the pid it finds. The file stays.
// - Fresh start: a folder holding anything but the lock (and empty checkpoints/ samples/ plots/) is
//   refused: a finished run's model and checkpoints are never overwritten or rotated away by accident.
//   --resume continues it; --overwrite deletes what a run writes (checkpoints/, samples/, plots/,
//   losses.jsonl, config.json, the stage weights and model.safetensors; other files are left alone).
// - Continue: losses.jsonl keeps the records up to the resumed (stage, step) and drops later ones (the
//   steps a killed process did after its last checkpoint, which the resumed run does again) and torn
//   lines, so the log and the plots rebuilt from it cover the run once.
// - Temporary files of the atomic writers (<file>.tmp.<pid>.<n>, io/file_io.h) left by a killed process
//   are deleted: with the lock held no writer of this run can still be alive.
#include "train/run_folder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <utility>

#include "core/error.h"
#include "io/file_io.h"
#include "io/safetensors.h"
#include "train/plot.h"

namespace dpt {

namespace {

// Names in a folder (no "." / ".."), sorted; empty when the folder does not exist.
std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// <file>.tmp.<pid>.<n>: a temporary file of AtomicFileWriter.
bool is_atomic_tmp(const std::string& name) {
  const size_t t = name.rfind(".tmp.");
  if (t == std::string::npos || t == 0) return false;
  const std::string rest = name.substr(t + 5);
  const size_t dot = rest.find('.');
  return dot != std::string::npos && all_digits(rest.substr(0, dot)) && all_digits(rest.substr(dot + 1));
}

void remove_file(const std::string& path) {
  DPT_CHECK(::unlink(path.c_str()) == 0 || errno == ENOENT, "cannot delete " << path << ": " << std::strerror(errno));
}

// The pid written in an open lock file, or -1 when it holds none (yet).
long read_pid(int fd) {
  char buf[32] = {0};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  char* end = nullptr;
  const long pid = std::strtol(buf, &end, 10);
  return end != buf && pid > 0 ? pid : -1;
}

std::string in_use_message(const std::string& out, long pid) {
  std::ostringstream os;
  os << "run folder " << out << " is in use by another process (";
  if (pid > 0) os << "pid " << pid;
  else os << "pid not recorded yet";
  os << ", holding " << out << "/.lock): two runs must not share a folder; wait for it to end or choose another --out";
  return os.str();
}

}  // namespace

RunFolder RunFolder::open(const std::string& out, std::vector<std::string> stage_order) {
  DPT_CHECK(!out.empty(), "run folder: 'out' is empty (pass --out DIR)");
  DPT_CHECK(!stage_order.empty(), "run folder " << out << ": the model family lists no stages");
  for (const std::string& s : stage_order)
    DPT_CHECK(!s.empty() && s.find('-') == std::string::npos && s.find('/') == std::string::npos,
              "run folder: stage name '" << s << "' cannot name checkpoint files (no '-' or '/')");
  return RunFolder(out, std::move(stage_order));
}

int RunFolder::stage_index(const std::string& stage) const {
  return static_cast<int>(std::find(stage_order_.begin(), stage_order_.end(), stage) - stage_order_.begin());
}

long RunFolder::lock_holder() const {
  const int fd = ::open(lock_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  long pid = 0;
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) ::flock(fd, LOCK_UN);
  else pid = errno == EWOULDBLOCK ? read_pid(fd) : 0;
  ::close(fd);
  return pid;
}

// What makes <out> a previous run's folder: every entry but the lock and empty standard subfolders.
std::vector<std::string> RunFolder::previous_run_files() const {
  const std::vector<std::string> subdirs = {checkpoints_dir(), samples_dir(), plots_dir()};
  std::vector<std::string> held;
  for (const std::string& n : list_dir(out_)) {
    if (n == ".lock") continue;
    const std::string p = out_ + "/" + n;
    const bool known_subdir = std::find(subdirs.begin(), subdirs.end(), p) != subdirs.end();
    if (known_subdir && is_dir(p) && list_dir(p).empty()) continue;
    held.push_back(n + (is_dir(p) ? "/" : ""));
  }
  return held;
}

void RunFolder::check_start(const RunStart& start) const {
  const long holder = lock_holder();
  DPT_CHECK(holder == 0, in_use_message(out_, holder));
  if (start.mode != RunStart::Fresh) return;
  const std::vector<std::string> held = previous_run_files();
  if (held.empty()) return;
  std::ostringstream os;
  for (size_t i = 0; i < held.size() && i < 6; ++i) os << (i ? ", " : "") << held[i];
  if (held.size() > 6) os << ", ...";
  const bool resumable = !list_dir(checkpoints_dir()).empty();
  DPT_FAIL("run folder " << out_ << " already holds a run (" << os.str() << "): "
                         << (resumable ? "continue it with --resume auto, replace" : "it has no checkpoint to resume from; replace")
                         << " it with --overwrite (deletes its checkpoints, logs, samples, plots and weights), or choose "
                            "another --out");
}

// Continue from nothing (--resume auto found no intact checkpoint): fine for what a run killed before
// its first checkpoint leaves (config, log, samples, plots), refused where a run's results are.
void RunFolder::check_restart() const {
  std::vector<std::string> results;
  for (const std::string& n : list_dir(checkpoints_dir()))
    if (!is_atomic_tmp(n)) results.push_back("checkpoints/" + n);
  std::vector<std::string> weights = stage_order_;
  weights.push_back("model");
  for (const std::string& w : weights)
    if (file_exists(weights_path(w))) results.push_back(w + ".safetensors");
  if (results.empty()) return;
  std::ostringstream os;
  for (size_t i = 0; i < results.size() && i < 4; ++i) os << (i ? ", " : "") << results[i];
  if (results.size() > 4) os << ", ...";
  DPT_FAIL("run folder " << out_ << " has no intact checkpoint to resume from but holds a run's results (" << os.str()
                         << "): replace it with --overwrite, or choose another --out");
}

void RunFolder::precheck(const std::string& out, RunStart::Mode mode) {
  RunStart start;
  start.mode = mode;
  RunFolder(out, {}).check_start(start);
}

void RunFolder::prepare(const RunStart& start) {
  // Refusals first, before anything is written (not even the lock file); then again under the lock,
  // which closes the race with a process that started in between.
  if (!lock_fd_) {
    check_start(start);
    if (start.mode == RunStart::Continue && start.stage.empty()) check_restart();
  }
  make_dirs(out_);
  if (!lock_fd_) {
    const int fd = ::open(lock_path().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    DPT_CHECK(fd >= 0, "run folder " << out_ << ": cannot open the lock file " << lock_path() << ": "
                                     << std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const long pid = read_pid(fd);
      ::close(fd);
      DPT_CHECK(err != EWOULDBLOCK, in_use_message(out_, pid));
      DPT_FAIL("run folder " << out_ << ": cannot lock " << lock_path() << ": " << std::strerror(err));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
      const int err = errno;
      ::close(fd);
      DPT_FAIL("run folder " << out_ << ": cannot write " << lock_path() << ": " << std::strerror(err));
    }
    lock_fd_ = std::shared_ptr<int>(new int(fd), [](int* p) {
      ::close(*p);  // releases the lock
      delete p;
    });
    if (start.mode == RunStart::Fresh && !previous_run_files().empty()) {
      lock_fd_.reset();
      check_start(start);  // throws: the folder filled up since the first check
    }
  }

  const std::vector<std::string> subdirs = {checkpoints_dir(), samples_dir(), plots_dir()};
  // Temporary files of writers that were killed (Note [run folder]).
  for (const std::string& dir : {out_, checkpoints_dir(), samples_dir(), plots_dir()})
    for (const std::string& n : list_dir(dir))
      if (is_atomic_tmp(n)) remove_file(dir + "/" + n);

  if (start.mode == RunStart::Overwrite) {
    for (const std::string& dir : subdirs)
      for (const std::string& n : list_dir(dir))
        if (!is_dir(dir + "/" + n)) remove_file(dir + "/" + n);
    remove_file(log_path());
    remove_file(out_ + "/config.json");
    remove_file(weights_path("model"));
    for (const std::string& s : stage_order_) remove_file(weights_path(s));
  } else if (start.mode == RunStart::Continue) {
    truncate_log_after(start.stage, start.step);
  }
  for (const std::string& d : subdirs) make_dirs(d);
}

// Continue (Note [run folder]): losses.jsonl keeps the records up to (stage, step); stage "" keeps none.
void RunFolder::truncate_log_after(const std::string& stage, int64_t step) const {
  std::ifstream in(log_path());
  if (!in) return;
  const int resumed = stage.empty() ? -1 : stage_index(stage);
  std::string line, kept;
  size_t dropped = 0;
  while (std::getline(in, line)) {
    bool keep = false;
    try {
      const Json r = parse_json(line, log_path());
      const Json* st = r.find("stage");
      const Json* sp = r.find("step");
      if (st && sp && st->is_string() && sp->is_int()) {
        const int si = stage_index(st->as_string());
        keep = resumed >= 0 && (si < resumed || (si == resumed && sp->as_int() <= step));
      }
    } catch (const Error&) {  // a line torn by a kill mid-write
    }
    if (keep) kept += line + "\n";
    else ++dropped;
  }
  in.close();
  if (dropped == 0) return;
  write_file_atomic(log_path(), kept.data(), kept.size());
  std::fprintf(stderr, "run folder %s: dropped %zu records after the resumed step from losses.jsonl\n", out_.c_str(),
               dropped);
}

void RunFolder::write_config(const Json& config) {
  const std::string text = config.dump() + "\n";
  write_file_atomic(out_ + "/config.json", text.data(), text.size());
}

void RunFolder::append_loss(const Json& record) {
  if (!log_) {
    log_ = std::make_shared<std::ofstream>(log_path(), std::ios::app);
    DPT_CHECK(*log_, "cannot write " << log_path());
  }
  *log_ << record.dump() << "\n";
  log_->flush();
  DPT_CHECK(*log_, "cannot write " << log_path());
}

std::vector<Json> RunFolder::loss_records(const std::string& stage) const {
  if (log_) log_->flush();
  std::vector<Json> out;
  std::ifstream in(log_path());
  std::string line;
  while (std::getline(in, line)) {
    try {
      Json r = parse_json(line, log_path());
      const Json* st = r.find("stage");
      if (st && st->is_string() && st->as_string() == stage) out.push_back(std::move(r));
    } catch (const Error&) {  // a torn line: skipped
    }
  }
  return out;
}

void RunFolder::write_loss_plot(const std::string& stage, const std::vector<std::string>& curve_names) const {
  std::vector<Curve> curves;
  for (const std::string& n : curve_names) curves.push_back({n, {}, {}});
  for (const Json& r : loss_records(stage)) {
    const Json* step = r.find("step");
    if (!step || !step->is_number()) continue;
    for (Curve& c : curves) {
      const Json* v = r.find(c.name);
      if (v && v->is_number()) {
        c.steps.push_back(step->as_number());
        c.values.push_back(v->as_number());
      }
    }
  }
  write_loss_plot_svg(plots_dir() + "/" + stage + ".svg", "stage " + stage, curves);
}

std::string RunFolder::checkpoint_path(const std::string& stage, int64_t step) const {
  char b[64];
  std::snprintf(b, sizeof b, "-%07lld.safetensors", static_cast<long long>(step));
  return checkpoints_dir() + "/" + stage + b;
}

std::vector<std::string> RunFolder::checkpoints() const {
  const std::string dir = checkpoints_dir();
  std::vector<std::pair<std::pair<size_t, std::string>, std::string>> found;
  for (const std::string& n : list_dir(dir)) {
    const size_t dash = n.find('-');
    if (n.size() <= 12 || n.compare(n.size() - 12, 12, ".safetensors") != 0 || dash == std::string::npos) continue;
    auto it = std::find(stage_order_.begin(), stage_order_.end(), n.substr(0, dash));
    if (it == stage_order_.end()) continue;
    found.push_back({{static_cast<size_t>(it - stage_order_.begin()), n}, dir + "/" + n});
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(f.second);
  return out;
}

std::string RunFolder::latest_checkpoint() const {
  const auto all = checkpoints();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    try {
      SafetensorsFile::read(*it);  // parses the header and verifies the checksum
      return *it;
    } catch (const Error& e) {
      std::fprintf(stderr, "warning: skipping a corrupt checkpoint: %s; trying the one before it\n", e.what());
    }
  }
  return "";
}

void RunFolder::rotate(int64_t keep_last) const {
  DPT_CHECK(keep_last >= 1, "run folder: keep_last must be >= 1, got " << keep_last);
  auto all = checkpoints();
  for (size_t i = 0; i + static_cast<size_t>(keep_last) < all.size(); ++i) std::remove(all[i].c_str());
}

}  // namespace dpt
