// FolderData (see folder_data.h).
#include "train/folder_data.h"

#include <cstdio>

namespace dpt {

FolderData::FolderData(const FolderDataOptions& o) : o_(o), index_(DatasetIndex::load(o.root, o.split)) {
  // Every file decoded once (part indices 0..24 included), so a corrupt one fails here and not mid-run.
  index_.validate(static_cast<int>(o.H), static_cast<int>(o.W), /*decode_all=*/true, o.order, /*threads=*/0,
                  /*max_report=*/10, /*show_progress=*/true);
}

Batch FolderData::next(BatchKind kind, uint64_t salt, int64_t step) {
  if (!loader_ || kind != kind_ || salt != salt_ || step != next_step_) {
    loader_.reset();
    LoaderOptions lo;
    lo.kind = kind;
    lo.batch_size = static_cast<int>(o_.batch);
    lo.views = static_cast<int>(o_.K);
    lo.seed = salt;
    lo.iuv_order = o_.order;
    lo.workers = o_.workers;
    lo.first_batch = step;
    loader_ = std::make_unique<DataLoader>(index_, lo);
    kind_ = kind;
    salt_ = salt;
  }
  next_step_ = step + 1;
  return loader_->next();
}

PairBatch FolderData::pair_batch(uint64_t salt, int64_t step) {
  Batch b = next(BatchKind::Pairs, salt, step);
  return {b.x_s, b.iuv_s, b.iuv_t, b.y};
}

ViewBatch FolderData::view_batch(uint64_t salt, int64_t step) {
  Batch b = next(BatchKind::Views, salt, step);
  return {b.x_views, b.iuv_views};
}

std::string FolderData::fingerprint() const {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](const std::string& s) {
    for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
    h = (h ^ 0xffu) * 1099511628211ULL;  // separator
  };
  for (const DatasetSample& s : index_.samples()) mix(s.name + "/" + std::to_string(s.person));
  for (const auto& p : index_.pairs()) mix(std::to_string(p.first) + ">" + std::to_string(p.second));
  mix(iuv_order_name(o_.order));
  char b[32];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
  return b;
}

}  // namespace dpt
