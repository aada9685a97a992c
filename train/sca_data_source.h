// Where the SCA-GAN family's batches come from (docs/sca.md section 1): pairs drawn uniformly with replacement
// as a pure function of (stage seed, step), so that a resumed run sees exactly the batches of the
// uninterrupted run. The folder source reads a dataset root through io/sca_dataset.h.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dpt {

class ScaDatasetIndex;  // io/sca_dataset.h (not included here: its ScaBatch is not models/sca's)

// One batch of pairs, float32 on the CPU; the network inputs of docs/sca.md section 1.
struct ScaPairBatch {
  Tensor P1, P2;                   // [N, 3, H, W] in [-1, 1]
  Tensor EP1, EP2;                 // [N, 1, H, W] lines +1, background -1
  Tensor BP2, BEP2;                // [N, 18, H, W]
  std::vector<std::string> names;  // "from>to" per row
};

class ScaDataSource {
 public:
  virtual ~ScaDataSource() = default;
  virtual int64_t num_pairs() const = 0;
  // Batch `step` (0-based) of a stage: `batch` pairs drawn uniformly with replacement from
  // (stage_seed, step) alone.
  virtual ScaPairBatch pair_batch(uint64_t stage_seed, int64_t step, int64_t batch) = 0;
  // A cheap fingerprint of the data (pair list, names, keypoints, edge source), "" when there is none.
  virtual std::string fingerprint() const { return ""; }
};

// The pair ids of batch `step`: element i is uniform in [0, num_pairs) from rng_bits(stage_seed, step * batch + i).
std::vector<int> sca_draw_pairs(uint64_t stage_seed, int64_t step, int64_t batch, int64_t num_pairs);

struct ScaFolderOptions {
  std::string root, split = "train";
  int64_t H = 0, W = 0;          // required image size
  std::string edges = "auto";    // files | xdog | auto (files when <root>/trainE/diff exists)
  double sigma = 12.0;           // heatmaps and BEP2 (sca_config)
  int64_t bep_radius = 20;
  double bep_threshold = 0.1;
  double xdog_sigma = 0.8, xdog_k = 1.6, xdog_gamma = 0.98, xdog_phi = 200.0, xdog_eps = -0.1;
  int64_t cache_mb = 1024;       // decoded pairs kept in memory (0: none)
  int threads = 0;               // for the up-front validation (<= 0: all cores)
};

class ScaFolderData : public ScaDataSource {
 public:
  // Loads and validates the index (every image, and edge map when read from files, exists and has
  // size H x W): an Error names the first offenders.
  explicit ScaFolderData(const ScaFolderOptions& o);
  ~ScaFolderData() override;
  int64_t num_pairs() const override;
  ScaPairBatch pair_batch(uint64_t stage_seed, int64_t step, int64_t batch) override;
  // FNV-1a over the pairs, names, keypoints and the edge source.
  std::string fingerprint() const override;
  const ScaDatasetIndex& index() const { return *index_; }
  bool edges_from_files() const { return edges_from_files_; }

 private:
  struct Cached {
    Tensor P1, P2, EP1, EP2, BP2, BEP2;  // [C, H, W]
  };
  const Cached& sample(int pair);

  ScaFolderOptions o_;
  std::unique_ptr<ScaDatasetIndex> index_;
  bool edges_from_files_ = false;
  std::map<int, Cached> cache_;
  int64_t cache_bytes_ = 0;
};

}  // namespace dpt
