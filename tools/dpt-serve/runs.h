// The "Runs" view's data: the run folders under --runs (config, family, stage, step, ETA, samples,
// evaluation files, checkpoints) and losses.jsonl read incrementally from a byte offset.
#pragma once
#include <cstdint>
#include <string>

#include "io/json.h"

namespace dpt::serve {

// Every run folder under `runs_root` (a folder holding config.json or losses.jsonl; the root itself and
// its subfolders, two levels deep: DIR/<run> and DIR/<group>/<run>), as a JSON array sorted by name.
Json list_runs(const std::string& runs_root);

// The complete lines of <run>/losses.jsonl from byte `offset` on: {"offset": next, "records": [...],
// "size": file size}. A line that does not parse is skipped (a writer mid-line is never read: only lines
// ending in '\n'). An offset past the end (the file was rewritten) starts over from 0.
Json read_losses(const std::string& run_dir, int64_t offset);

}  // namespace dpt::serve
