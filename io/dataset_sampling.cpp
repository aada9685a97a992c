// Deterministic item order and view picking for the loader (Note [Loader determinism] in the header).
// Uniform integers are rng_bits % n: the bias (n / 2^64) is far below anything a dataset size can show.
#include "io/dataset_sampling.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "core/error.h"
#include "core/rng.h"

namespace dpt {

namespace {

// Independent streams for the two uses: the top bits of the counter say which one.
constexpr uint64_t kEpochStream = uint64_t(1) << 62;
constexpr uint64_t kViewStream = uint64_t(2) << 62;

}  // namespace

ItemStream::ItemStream(int64_t n, uint64_t seed, bool shuffle) : n_(n), seed_(seed), shuffle_(shuffle) {
  DPT_CHECK(n > 0, "loader: nothing to sample from (0 items)");
}

int64_t ItemStream::item(int64_t k) {
  DPT_CHECK(k >= 0, "loader: negative stream position " << k);
  const int64_t epoch = k / n_, pos = k % n_;
  if (!shuffle_) return pos;
  if (epoch != epoch_) {
    perm_.resize(static_cast<size_t>(n_));
    std::iota(perm_.begin(), perm_.end(), int64_t(0));
    const uint64_t key = rng_bits(seed_, kEpochStream + static_cast<uint64_t>(epoch));
    for (int64_t i = n_ - 1; i > 0; --i)  // Fisher-Yates
      std::swap(perm_[i], perm_[rng_bits(key, static_cast<uint64_t>(i)) % static_cast<uint64_t>(i + 1)]);
    epoch_ = epoch;
  }
  return perm_[static_cast<size_t>(pos)];
}

std::vector<int> pick_views(const std::vector<int>& views, int K, uint64_t seed, int64_t k) {
  DPT_CHECK(!views.empty() && K > 0, "loader: cannot pick " << K << " of " << views.size() << " views");
  const uint64_t key = rng_bits(seed, kViewStream + static_cast<uint64_t>(k));
  std::vector<int> pool = views;
  std::vector<int> out;
  uint64_t counter = 0;
  for (int j = 0; j < K; ++j) {
    const size_t left = pool.size() - std::min(pool.size(), out.size());
    if (left > 0) {  // partial Fisher-Yates over the unused views
      const size_t first = out.size();
      const size_t r = first + rng_bits(key, counter++) % left;
      std::swap(pool[first], pool[r]);
      out.push_back(pool[first]);
    } else {
      out.push_back(views[rng_bits(key, counter++) % views.size()]);
    }
  }
  return out;
}

}  // namespace dpt
