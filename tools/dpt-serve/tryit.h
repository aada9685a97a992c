// The "Try it" view's work, run on the worker thread: pose transfer with a checkpoint (the generator
// stays loaded between requests, cached by path and modification time) and the texture tool. Inputs are
// files, read with the CLI's own readers (models/dpt/inference.h), so a bad upload fails with the
// message dpt-infer prints. Results are PNG bytes, base64 in JSON.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "io/json.h"
#include "ops/device.h"

namespace dpt {
class DensePoseTransfer;
class ScaGan;
}  // namespace dpt

namespace dpt::serve {

struct TransferFiles {
  std::string checkpoint, source;
  std::string source_iuv, target_iuv;               // DPT
  std::string keypoints, source_name, target_name;  // SCA-GAN: a PATN annotation CSV and its two rows
  std::string target_image;                         // the target's ground truth ("" when the pair has none)
};

// "sca" or "dpt", from the checkpoint's metadata (as dpt-infer picks the family).
std::string checkpoint_family_of(const std::string& path);

class TryIt {
 public:
  explicit TryIt(Device device);
  ~TryIt();

  // {"family", "output": base64 PNG, "intermediates": {name: base64 PNG}, "ground_truth", "ssim"}.
  // `work_dir` is this request's own temporary folder (the PNGs are written there, then read back).
  Json transfer(const TransferFiles& f, const std::string& work_dir);
  // Texture tool: an atlas image (6S x 4S) rendered onto a target IUV map; {"output": base64 PNG}.
  Json render(const std::string& atlas, const std::string& target_iuv, const std::string& work_dir);

  int64_t loads() const { return loads_; }  // how many times a checkpoint was read (the cache's misses)

 private:
  Json transfer_dpt(const TransferFiles& f, const std::string& dir);
  Json transfer_sca(const TransferFiles& f, const std::string& dir);
  void add_ground_truth(Json& res, const std::string& target_image, const std::string& output);
  // The cache key of a checkpoint (path, modification time, size); loads nothing.
  static std::string cache_key(const std::string& checkpoint);
  Device device_;
  std::string cached_key_;  // one model in memory at a time, of either family
  std::unique_ptr<DensePoseTransfer> cached_;
  std::unique_ptr<ScaGan> cached_sca_;
  std::atomic<int64_t> loads_{0};
};

std::string base64(const std::string& bytes);
std::string file_base64(const std::string& path);

}  // namespace dpt::serve
