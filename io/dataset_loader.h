// Batches for training (docs/dpt.md sections 6-7): worker threads decode images and IUV maps and stack them
// ahead of the training loop; batch i depends only on the seed and i (Note [Loader determinism]).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/dataset.h"

namespace dpt {

enum class BatchKind {
  Pairs,  // {x_s, iuv_s, iuv_t, y}: predictive and blending stages
  Views,  // {x_views, iuv_views}: K views per person, for the inpainting stage (view 0 is its input)
};

struct LoaderOptions {
  BatchKind kind = BatchKind::Pairs;
  int batch_size = 8;  // N
  int views = 3;       // K (Views only)
  uint64_t seed = 0;
  bool shuffle = true;
  IUVOrder iuv_order = IUVOrder::BGR;
  int workers = 2;          // decoding threads; 0 = decode in next() on the caller's thread
  int prefetch = 4;         // batches decoded ahead of the one being consumed
  int64_t first_batch = 0;  // resume: the first next() returns this batch
};

// Images are [-1, 1] (image_to_tensor), IUV maps (I, U, V) (read_iuv); all float32 on the CPU.
// No flip or other augmentation: a horizontal flip would also have to swap the left/right DensePose
// parts and mirror U, which the paper does not do.
struct Batch {
  int64_t index = 0;
  Tensor x_s, iuv_s, iuv_t, y;     // Pairs: [N, 3, H, W]
  Tensor x_views, iuv_views;       // Views: [N, K, 3, H, W]
  std::vector<std::string> names;  // Pairs: "from>to" per row; Views: the K names joined by ','
};

// Batch i, synchronously; what the workers run. The index must be validated (it fixes H and W).
Batch make_batch(const DatasetIndex& index, const LoaderOptions& opt, int64_t i);

class DataLoader {
 public:
  DataLoader(DatasetIndex index, LoaderOptions opt);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // The next batch in order (first_batch, first_batch + 1, ...). A decoding error is thrown here, for
  // the batch it belongs to, naming the file.
  Batch next();
  // Items (pairs or multi-view persons) / N, rounded up: one pass over the data.
  int64_t batches_per_epoch() const;
  const DatasetIndex& index() const { return index_; }

 private:
  void worker();

  DatasetIndex index_;
  LoaderOptions opt_;
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t next_to_make_ = 0, next_to_return_ = 0;
  bool stop_ = false;
  std::map<int64_t, Batch> ready_;
  std::map<int64_t, std::exception_ptr> failed_;
  std::vector<std::thread> threads_;
};

}  // namespace dpt
