// Which pairs / persons / views go into loader batch i: pure functions of (seed, i), so a run can be
// resumed at any batch and reproduced with any number of worker threads (Note [Loader determinism]).
#pragma once
#include <cstdint>
#include <vector>

namespace dpt {

// Note [Loader determinism]
// The loader sees an endless stream of items (pair or person indices): epoch e is a permutation of
// 0..n-1 drawn from (seed, e) (identity when not shuffling), and the epochs follow each other. Batch i
// holds stream positions i*N .. i*N+N-1, so a batch may straddle two epochs and none is dropped. The K
// views of the person at stream position k are drawn from (seed, k). Random integers come from the
// counter-based rng_bits of core/rng.h; nothing depends on timing or thread count.

class ItemStream {
 public:
  ItemStream(int64_t n, uint64_t seed, bool shuffle);
  // The item at stream position k. Caches the current epoch's permutation: use one stream per thread.
  int64_t item(int64_t k);

 private:
  int64_t n_;
  uint64_t seed_;
  bool shuffle_;
  int64_t epoch_ = -1;
  std::vector<int64_t> perm_;
};

// K of a person's views for stream position k: distinct views in random order while they last, then
// (a person with fewer than K views) further views drawn with replacement.
std::vector<int> pick_views(const std::vector<int>& views, int K, uint64_t seed, int64_t k);

}  // namespace dpt
