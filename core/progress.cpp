// Progress line rendering (see progress.h).
#include "core/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dpt {

namespace {
constexpr double kTerminalInterval = 0.1;  // seconds between redraws on a terminal
constexpr double kLogInterval = 10.0;      // seconds between lines elsewhere, when no `every` is given
}  // namespace

bool Progress::stderr_is_terminal() {
  if (const char* mode = std::getenv("DPT_PROGRESS")) {
    if (std::strcmp(mode, "lines") == 0) return false;
    if (std::strcmp(mode, "tty") == 0) return true;
  }
  return isatty(fileno(stderr)) != 0;
}

Progress::Progress(std::string label, int64_t total, int64_t units_per_item, int64_t every, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), units_per_item_(units_per_item),
      every_(every), tty_(stderr_is_terminal()), start_(std::chrono::steady_clock::now()), last_print_(start_) {}

Progress::~Progress() { finish(); }

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string Progress::render(int64_t done, const std::string& detail) const {
  const double t = elapsed_seconds();
  const int64_t counted = done - start_done_;
  const double rate = t > 0 ? static_cast<double>(counted) * static_cast<double>(units_per_item_) / t : 0.0;
  const double eta = counted > 0 ? t / static_cast<double>(counted) * static_cast<double>(total_ - done) : 0.0;
  const int width = 24;
  const int filled = total_ > 0 ? static_cast<int>(width * std::min(done, total_) / total_) : width;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(width, '.');
  char head[192];
  std::snprintf(head, sizeof head, "%s [%s] %lld/%lld", label_.c_str(), bar.c_str(), static_cast<long long>(done),
                static_cast<long long>(total_));
  std::string line = head;
  if (!detail.empty()) line += " " + detail;
  char tail[128];
  std::snprintf(tail, sizeof tail, " | %.1f %s/s | ETA %dm%02ds", rate, unit_.c_str(), static_cast<int>(eta) / 60,
                static_cast<int>(eta) % 60);
  return line + tail;
}

void Progress::update(int64_t done, const std::string& detail) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (start_done_ < 0) start_done_ = done > 0 ? done - 1 : 0;
  last_done_ = done;
  last_detail_ = detail;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_print_).count();
  const bool first = printed_done_ < 0, last = done >= total_;
  bool print;
  if (tty_) print = first || last || since >= kTerminalInterval;
  else if (every_ > 0) print = first || last || done % every_ == 0;
  else print = first || last || since >= kLogInterval;
  if (!print || done == printed_done_) return;
  const std::string line = render(done, detail);
  if (tty_) std::fprintf(stderr, "\r%s\033[K", line.c_str());
  else std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
  printed_done_ = done;
  last_print_ = now;
}

void Progress::update(int64_t done, const std::vector<std::pair<std::string, double>>& values) {
  std::string detail;
  for (const auto& [name, v] : values) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%s %.4g", detail.empty() ? "" : " ", name.c_str(), v);
    detail += buf;
  }
  update(done, detail);
}

void Progress::finish() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (last_done_ >= 0 && last_done_ != printed_done_) {
    const std::string line = render(last_done_, last_detail_);
    std::fprintf(stderr, tty_ ? "\r%s\033[K" : "%s\n", line.c_str());
    drawn_ = true;
  }
  if (tty_ && drawn_) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace dpt
