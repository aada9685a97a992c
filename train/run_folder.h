// A training run's folder on disk: <out>/config.json, losses.jsonl, checkpoints/<stage>-<step>.safetensors,
// samples/, plots/ and the weights written after each stage. Opening validates and writes nothing;
// prepare() claims the folder (lock, checks, clean-up; Note [run folder]) and creates the subfolders, and
// write_config() writes the configuration, so a run refused by a later check (a resume whose settings
// differ, a bad --init) leaves the folder as it was.
#pragma once
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "io/json.h"

namespace dpt {

// How prepare() treats a folder that already holds a run (any file other than the lock).
struct RunStart {
  enum Mode {
    Fresh,      // refuse a non-empty folder (the default: a finished run is never silently mixed)
    Continue,   // resume: keep the folder; losses.jsonl keeps only records up to (stage, step). With
                // stage "" (--resume auto found no checkpoint): start over, keeping no record; refused
                // when the folder holds checkpoints or weights (a run's results)
    Overwrite,  // --overwrite: delete the previous run's checkpoints, logs, samples, plots and weights
  };
  Mode mode = Fresh;
  std::string stage;  // Continue: the checkpoint's stage ("" = from the very start: keep no record)
  int64_t step = 0;   // Continue: the steps of that stage already done

  static RunStart fresh() { return {}; }
  static RunStart overwrite() { return {Overwrite, "", 0}; }
  static RunStart resume_at(std::string stage, int64_t step) { return {Continue, std::move(stage), step}; }
};

class RunFolder {
 public:
  // `stage_order`: the model family's stages in training order; checkpoint names sort by it, then step.
  // Checks the arguments only (no file is touched).
  static RunFolder open(const std::string& out, std::vector<std::string> stage_order);

  // Claims the folder for this process and readies it (Note [run folder] in run_folder.cpp): creates
  // <out>, takes the lock <out>/.lock (an Error naming the holder's pid when another process has it),
  // applies `start` (refuse / continue / overwrite), removes temporary files a killed writer left, and
  // creates checkpoints/, samples/, plots/. The lock is held until the last copy of this RunFolder is gone.
  void prepare(const RunStart& start);
  // The refusals of prepare() for a start of this mode (another process holds the lock; Fresh: the
  // folder holds a run), reading only: lets a tool refuse before its slow set-up (dataset decoding).
  static void precheck(const std::string& out, RunStart::Mode mode);
  // <out>/config.json (atomic), the whole resolved configuration.
  void write_config(const Json& config);
  // Appends one JSON record (one line) to <out>/losses.jsonl and flushes it.
  void append_loss(const Json& record);
  // The records of losses.jsonl for `stage`, in file order (lines that do not parse are skipped).
  std::vector<Json> loss_records(const std::string& stage) const;
  // plots/<stage>.svg rebuilt from losses.jsonl: one curve per name, so that a resumed stage's plot
  // covers the whole stage and not only the steps of the last process.
  void write_loss_plot(const std::string& stage, const std::vector<std::string>& curve_names) const;

  const std::string& root() const { return out_; }
  std::string checkpoints_dir() const { return out_ + "/checkpoints"; }
  std::string samples_dir() const { return out_ + "/samples"; }
  std::string plots_dir() const { return out_ + "/plots"; }
  std::string log_path() const { return out_ + "/losses.jsonl"; }
  std::string lock_path() const { return out_ + "/.lock"; }
  // <out>/<name>.safetensors (weights after a stage, model.safetensors at the end).
  std::string weights_path(const std::string& name) const { return out_ + "/" + name + ".safetensors"; }

  // checkpoints/<stage>-<step, 7 digits>.safetensors
  std::string checkpoint_path(const std::string& stage, int64_t step) const;
  // Training checkpoints, oldest first (stage order, then step); files of unknown stages are left out.
  std::vector<std::string> checkpoints() const;
  // The newest checkpoint that reads back intact (header, checksum: SafetensorsFile::read), or "" when
  // there is none. A corrupt newer one is skipped with a warning on stderr naming it and the reason.
  std::string latest_checkpoint() const;
  // Deletes the oldest checkpoints so that at most keep_last (>= 1) remain.
  void rotate(int64_t keep_last) const;

  // The pid recorded in <out>/.lock when another process holds the lock, else 0 (free, or no folder).
  // Reads only; prepare() is what takes the lock.
  long lock_holder() const;

 private:
  RunFolder(std::string out, std::vector<std::string> stage_order)
      : out_(std::move(out)), stage_order_(std::move(stage_order)) {}
  int stage_index(const std::string& stage) const;  // position in stage_order (its size when unknown)
  std::vector<std::string> previous_run_files() const;
  void check_start(const RunStart& start) const;  // the refusals of prepare(), reading only
  void check_restart() const;                      // Continue from nothing: no results to lose
  void truncate_log_after(const std::string& stage, int64_t step) const;

  std::string out_;
  std::vector<std::string> stage_order_;
  std::shared_ptr<std::ofstream> log_;  // opened by the first append_loss
  std::shared_ptr<int> lock_fd_;         // the open, flock'ed <out>/.lock; closed by its deleter
};

}  // namespace dpt
