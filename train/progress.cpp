// Progress line rendering (see progress.h).
#include "train/progress.h"

#include <unistd.h>

#include <cstdio>

namespace dpt {

Progress::Progress(std::string label, int64_t total, int64_t images_per_step, int64_t every)
    : label_(std::move(label)), total_(total), images_per_step_(images_per_step), every_(every),
      tty_(isatty(fileno(stderr))), start_(std::chrono::steady_clock::now()) {}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(int64_t step, const std::vector<std::pair<std::string, double>>& losses) {
  if (start_step_ < 0) start_step_ = step - 1;
  if (!tty_ && step % every_ != 0 && step != total_ && step != start_step_ + 1) return;
  const double t = elapsed_seconds();
  const int64_t done = step - start_step_;
  const double ips = t > 0 ? done * images_per_step_ / t : 0.0;
  const double eta = done > 0 ? t / done * (total_ - step) : 0.0;
  const int width = 24;
  int filled = total_ > 0 ? static_cast<int>(width * step / total_) : width;
  std::string bar(filled, '#');
  bar.resize(width, '.');
  char head[160];
  std::snprintf(head, sizeof head, "%s [%s] %lld/%lld", label_.c_str(), bar.c_str(), static_cast<long long>(step),
                static_cast<long long>(total_));
  std::string line = head;
  for (const auto& [name, v] : losses) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " %s %.4g", name.c_str(), v);
    line += buf;
  }
  char tail[96];
  std::snprintf(tail, sizeof tail, " | %.1f img/s | ETA %dm%02ds", ips, static_cast<int>(eta) / 60,
                static_cast<int>(eta) % 60);
  line += tail;
  std::fprintf(stderr, tty_ ? "\r%s\033[K" : "%s\n", line.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace dpt
