// One progress line on stderr for every tool and the trainer: done/total, an optional detail (losses, a
// file name), the rate and the ETA. On a terminal the line is redrawn in place ('\r', at most 10 times a
// second); otherwise (logs, CI, pipes) whole lines are printed at a modest rate and never a '\r'.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace dpt {

class Progress {
 public:
  // label: what runs ("dpt-infer", a stage name); total: items to do; units_per_item and unit give the
  // rate (a training step of batch 8 is 8 "img"). Not on a terminal, a line is printed every `every`
  // items when every > 0, else at most every 10 seconds; the first and the last are always printed.
  Progress(std::string label, int64_t total, int64_t units_per_item = 1, int64_t every = 0,
           std::string unit = "img");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void set_enabled(bool on) { enabled_ = on; }  // off: update/finish print nothing (--quiet)
  // `done` items so far; detail is shown after the count. Safe to call from several threads.
  void update(int64_t done, const std::string& detail = "");
  // The trainer's form: named values (losses) as the detail.
  void update(int64_t done, const std::vector<std::pair<std::string, double>>& values);
  // Ends the line on a terminal; elsewhere prints the last state if it was not printed yet. Idempotent.
  void finish();
  double elapsed_seconds() const;

  // Whether stderr is a terminal (DPT_PROGRESS=lines forces whole lines, =tty forces redraws).
  static bool stderr_is_terminal();

 private:
  std::string render(int64_t done, const std::string& detail) const;

  std::string label_, unit_;
  int64_t total_, units_per_item_, every_;
  bool tty_, enabled_ = true, drawn_ = false, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_print_;
  int64_t start_done_ = -1, last_done_ = -1, printed_done_ = -1;
  std::string last_detail_;
  std::mutex mu_;
};

}  // namespace dpt
