// A training progress line: step/total, losses, images/s and ETA; redrawn in place on a terminal,
// printed every `every` steps otherwise (logs, CI).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dpt {

class Progress {
 public:
  Progress(std::string label, int64_t total, int64_t images_per_step, int64_t every = 10);
  void update(int64_t step, const std::vector<std::pair<std::string, double>>& losses);
  void finish();
  double elapsed_seconds() const;

 private:
  std::string label_;
  int64_t total_, images_per_step_, every_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  int64_t start_step_ = -1;
};

}  // namespace dpt
