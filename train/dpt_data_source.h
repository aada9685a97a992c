// Where the DPT family's batches come from: deterministic functions of (stage seed, step), so that a
// resumed run sees exactly the batches the uninterrupted run would have seen.
#pragma once
#include <cstdint>
#include <string>

#include "models/dpt/losses.h"

namespace dpt {

class DptDataSource {
 public:
  virtual ~DptDataSource() = default;
  virtual int64_t num_pairs() const = 0;
  virtual int64_t num_persons() const = 0;
  // Batch `step` (0-based) of a stage; `stage_seed` separates the stages' sample sequences.
  virtual PairBatch pair_batch(uint64_t stage_seed, int64_t step) = 0;
  virtual ViewBatch view_batch(uint64_t stage_seed, int64_t step) = 0;
  // A cheap fingerprint of the data (sample and pair lists), "" when there is none.
  virtual std::string fingerprint() const { return ""; }
};

}  // namespace dpt
