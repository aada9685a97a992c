// Where the trainer's batches come from: deterministic functions of (stage, step), so that a resumed run
// sees exactly the batches the uninterrupted run would have seen.
#pragma once
#include <cstdint>
#include <string>

#include "models/dpt/losses.h"

namespace dpt {

class DataSource {
 public:
  virtual ~DataSource() = default;
  virtual int64_t num_pairs() const = 0;
  virtual int64_t num_persons() const = 0;
  // Batch `step` (0-based) of a stage; `stage_salt` separates the stages' sample sequences.
  virtual PairBatch pair_batch(uint64_t stage_salt, int64_t step) = 0;
  virtual ViewBatch view_batch(uint64_t stage_salt, int64_t step) = 0;
};

}  // namespace dpt
