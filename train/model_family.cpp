// ModelFamily's shared helpers (see model_family.h).
#include "train/model_family.h"

#include <algorithm>

#include "core/error.h"

namespace dpt {

namespace {
std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}
}  // namespace

StageOptimisers::StageOptimisers(const std::vector<OptimiserGroup>& groups) {
  for (const auto& g : groups) add(g.name, std::make_unique<Adam>(g.params, g.hyper));
}

Adam& StageOptimisers::operator[](const std::string& name) {
  for (auto& [n, a] : list_)
    if (n == name) return *a;
  std::vector<std::string> names;
  for (auto& kv : list_) names.push_back(kv.first);
  DPT_FAIL("no optimiser group '" << name << "' in this stage (groups: " << join(names) << ")");
}

size_t ModelFamily::stage_index(const std::string& stage) const {
  const auto all = stages();
  auto it = std::find(all.begin(), all.end(), stage);
  DPT_CHECK(it != all.end(), "unknown stage '" << stage << "' of the model family " << name() << " (valid: "
                                               << join(all) << ")");
  return static_cast<size_t>(it - all.begin());
}

std::vector<std::string> ModelFamily::select_stages(const std::string& list) const {
  if (list == "all") return stages();
  std::vector<std::string> out;
  size_t start = 0, previous = 0;
  while (start <= list.size()) {
    const size_t end = list.find(',', start);
    const std::string s = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const size_t index = stage_index(s);
    DPT_CHECK(out.empty() || index > previous, "stages '" << list << "': list each stage once, in training order ("
                                                          << join(stages()) << ")");
    previous = index;
    out.push_back(s);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

uint64_t stage_batch_seed(uint64_t seed, const std::string& stage) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a of the stage name
  for (char c : stage) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
  return h ^ seed;
}

void ModelFamily::set_shard(int rank, int world) {
  DPT_CHECK(world >= 1 && rank >= 0 && rank < world, "set_shard: rank " << rank << " of " << world);
  DPT_CHECK(world == 1 || shards_batches(),
            "the model family '" << name() << "' does not support data-parallel training yet (" << world << " ranks)");
  shard_rank_ = rank;
  shard_world_ = world;
}

Tensor ModelFamily::shard_rows(const Tensor& t) const {
  if (shard_world_ == 1 || !t.defined()) return t;
  const int64_t n = t.size(0);
  DPT_CHECK(n % shard_world_ == 0, "a batch of " << n << " cannot be split over " << shard_world_ << " ranks");
  const int64_t per = n / shard_world_;
  return t.slice(0, shard_rank_ * per, (shard_rank_ + 1) * per).contiguous();
}

}  // namespace dpt
