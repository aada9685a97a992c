// ScaFolderData and the pair draws (see sca_data_source.h).
#include "train/sca_data_source.h"

#include <sys/stat.h>

#include <cstdio>

#include "core/error.h"
#include "core/rng.h"
#include "io/sca_dataset.h"
#include "ops/reduce.h"

namespace dpt {

std::vector<int> sca_draw_pairs(uint64_t stage_seed, int64_t step, int64_t batch, int64_t num_pairs) {
  DPT_CHECK(num_pairs > 0 && batch > 0, "SCA-GAN data: no pairs to draw from (" << num_pairs << " pairs, batch " << batch << ")");
  std::vector<int> ids(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i)  // 64 random bits: the modulo bias is below 1e-9 for any real set
    ids[static_cast<size_t>(i)] = static_cast<int>(rng_bits(stage_seed, static_cast<uint64_t>(step * batch + i)) %
                                                   static_cast<uint64_t>(num_pairs));
  return ids;
}

namespace {
bool is_dir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
uint64_t fnv(uint64_t h, const std::string& s) {
  for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
  return (h ^ 0xff) * 1099511628211ULL;  // separator
}
}  // namespace

ScaFolderData::ScaFolderData(const ScaFolderOptions& o) : o_(o) {
  DPT_CHECK(o.edges == "auto" || o.edges == "files" || o.edges == "xdog",
            "SCA-GAN data: 'edges' must be one of auto, files, xdog, got \"" << o.edges << "\"");
  ScaDataOptions d;
  edges_from_files_ = o.edges == "files" || (o.edges == "auto" && is_dir(o.root + "/trainE/diff"));
  d.edges = edges_from_files_ ? EdgeSource::Files : EdgeSource::Xdog;
  d.xdog.sigma = o.xdog_sigma;
  d.xdog.k = o.xdog_k;
  d.xdog.gamma = o.xdog_gamma;
  d.xdog.phi = o.xdog_phi;
  d.xdog.eps = o.xdog_eps;
  d.sigma = o.sigma;
  d.bep_radius = static_cast<int>(o.bep_radius);
  d.bep_threshold = o.bep_threshold;
  index_ = std::make_unique<ScaDatasetIndex>(ScaDatasetIndex::load(o.root, o.split, d));
  index_->validate(static_cast<int>(o.H), static_cast<int>(o.W), o.threads);
}

ScaFolderData::~ScaFolderData() = default;

int64_t ScaFolderData::num_pairs() const { return static_cast<int64_t>(index_->pairs().size()); }

const ScaFolderData::Cached& ScaFolderData::sample(int pair) {
  auto it = cache_.find(pair);
  if (it != cache_.end()) return it->second;
  ScaSample s = make_sca_sample(*index_, pair);
  Cached c{s.P1, s.P2, s.EP1, s.EP2, s.BP2, s.BEP2};
  const int64_t bytes = 4 * (c.P1.numel() + c.P2.numel() + c.EP1.numel() + c.EP2.numel() + c.BP2.numel() + c.BEP2.numel());
  if (cache_bytes_ + bytes > o_.cache_mb * (int64_t(1) << 20)) {
    static Cached scratch;  // over the budget: not kept (the data are the same on every read)
    scratch = c;
    return scratch;
  }
  cache_bytes_ += bytes;
  return cache_.emplace(pair, c).first->second;
}

ScaPairBatch ScaFolderData::pair_batch(uint64_t stage_seed, int64_t step, int64_t batch) {
  const std::vector<int> ids = sca_draw_pairs(stage_seed, step, batch, num_pairs());
  std::vector<Tensor> P1, P2, EP1, EP2, BP2, BEP2;
  ScaPairBatch b;
  for (int id : ids) {
    const Cached& c = sample(id);
    P1.push_back(c.P1.unsqueeze(0));
    P2.push_back(c.P2.unsqueeze(0));
    EP1.push_back(c.EP1.unsqueeze(0));
    EP2.push_back(c.EP2.unsqueeze(0));
    BP2.push_back(c.BP2.unsqueeze(0));
    BEP2.push_back(c.BEP2.unsqueeze(0));
    const auto& p = index_->pairs()[static_cast<size_t>(id)];
    b.names.push_back(index_->items()[static_cast<size_t>(p.first)].name + ">" +
                      index_->items()[static_cast<size_t>(p.second)].name);
  }
  b.P1 = cat(P1, 0);
  b.P2 = cat(P2, 0);
  b.EP1 = cat(EP1, 0);
  b.EP2 = cat(EP2, 0);
  b.BP2 = cat(BP2, 0);
  b.BEP2 = cat(BEP2, 0);
  return b;
}

std::string ScaFolderData::fingerprint() const {
  uint64_t h = 1469598103934665603ULL;
  h = fnv(h, edges_from_files_ ? "edges:files" : "edges:xdog");
  for (const auto& p : index_->pairs()) h = fnv(h, std::to_string(p.first) + "," + std::to_string(p.second));
  for (const ScaItem& it : index_->items()) {
    h = fnv(h, it.name);
    for (int j = 0; j < kCocoJoints; ++j) h = fnv(h, std::to_string(it.kp.y[j]) + ":" + std::to_string(it.kp.x[j]));
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace dpt
