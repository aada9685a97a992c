// The DPT family's data source (DptDataSource) over a dataset folder in the layout of docs/dpt.md
// section 7: the index (io/dataset.h) validated up front, batches from the prefetching loader
// (io/dataset_loader.h).
#pragma once
#include <memory>
#include <string>

#include "io/dataset.h"
#include "io/dataset_loader.h"
#include "train/dpt_data_source.h"

namespace dpt {

struct FolderDataOptions {
  std::string root, split = "train";
  int64_t H = 0, W = 0;      // required image size
  int64_t batch = 8, K = 3;  // pairs per batch; views per person for the inpainting stage
  IUVOrder order = IUVOrder::BGR;
  int workers = 2;           // decoding threads of the loader
};

class FolderData : public DptDataSource {
 public:
  // Loads and validates the index, decoding every image and IUV map once (DatasetIndex::validate with
  // decode_all, a progress line on large sets): an Error lists the first missing, corrupt or mismatched files.
  explicit FolderData(const FolderDataOptions& o);
  int64_t num_pairs() const override { return static_cast<int64_t>(index_.pairs().size()); }
  int64_t num_persons() const override { return static_cast<int64_t>(index_.multi_view_persons().size()); }
  PairBatch pair_batch(uint64_t stage_salt, int64_t step) override;
  ViewBatch view_batch(uint64_t stage_salt, int64_t step) override;
  // FNV-1a over the sample names, their persons, the pairs and the IUV channel order.
  std::string fingerprint() const override;
  const DatasetIndex& index() const { return index_; }

 private:
  Batch next(BatchKind kind, uint64_t salt, int64_t step);

  FolderDataOptions o_;
  DatasetIndex index_;
  // The loader of the sequence being read; rebuilt when a request does not continue it (a new stage,
  // or a resumed run starting mid-stage).
  std::unique_ptr<DataLoader> loader_;
  BatchKind kind_ = BatchKind::Pairs;
  uint64_t salt_ = 0;
  int64_t next_step_ = -1;
};

}  // namespace dpt
