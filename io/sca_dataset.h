// The SCA-GAN dataset (docs/sca.md section 1) next to the DensePose layout of io/dataset.h, so that one
// DeepFashion folder serves both systems: images, pairs, the PATN keypoint CSV and the XDoG edge maps,
// and the per-pair network inputs P1, P2, EP1, EP2, BP2, BEP2.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "io/keypoints.h"
#include "ops/bep2_math.h"
#include "ops/xdog_math.h"

namespace dpt {

// Layout under root (docs/sca.md section 1; the DensePose files of io/dataset.h may sit beside them):
//   <split>/<name>                              images (<name> with or without .jpg / .png)
//   fasion-resize-pairs-<split>.csv             header from,to (also spelled fashion-resize-...), else
//   pairs-<split>.csv                           the project's pair list (dpt-synth writes it)
//   fasion-resize-annotation-<split>.csv        PATN keypoints (io/keypoints.h; also spelled fashion-)
//   trainE/diff/<edge name>.png                 8-bit edge maps of every split (sca_edge_file_name)
//   trainE/diff/xdog.json                       the XDoG parameters the edge maps were made with
//                                               (dpt-edges writes it; Note [edge cache])
enum class EdgeSource {
  Files,  // read <edge dir>/<edge name>.png
  Xdog,   // compute XDoG from the image on the fly (no files)
};

struct ScaDataOptions {
  EdgeSource edges = EdgeSource::Files;
  std::string edge_dir;  // "" = <root>/trainE/diff
  XdogParams xdog;       // requested parameters: compared with the folder's xdog.json (Files)
  double sigma = 12.0;   // heatmap sigma (SCA-GAN 12, PATN 6); also decides BEP2's usable joints
  int bep_radius = 20;
  double bep_threshold = 0.1;
  Bep2Params bep2() const { return {sigma, bep_radius, bep_threshold}; }
};

// "edges" option values "files" / "xdog" (an error names the valid ones).
EdgeSource parse_edge_source(const std::string& s);
const char* edge_source_name(EdgeSource e);

// docs/sca.md: fashionMENDenimid0000008001_1front.jpg -> MENDenimid0000008001_1front.png (the leading
// "fashion" dropped, extension .png); names without the prefix keep their stem (p0001_v02 -> p0001_v02.png).
std::string sca_edge_file_name(const std::string& image_name);

// Note [edge cache]
// An edge folder records the XDoG parameters of its PNGs in xdog.json. Reading edges from a folder whose
// record differs from the requested parameters is an error naming both (never a silent stale cache);
// a folder without a record (e.g. the authors' download) is accepted as it is, and the index says so.
std::string xdog_record_path(const std::string& edge_dir);
void write_xdog_record(const std::string& edge_dir, const XdogParams& p);
// Whether the record exists; its parameters in *p.
bool read_xdog_record(const std::string& edge_dir, XdogParams* p);
// Throws when a record exists and differs from `want` (or is unreadable); returns whether one exists.
bool check_xdog_record(const std::string& edge_dir, const XdogParams& want);
std::string xdog_params_str(const XdogParams& p);

struct ScaItem {
  std::string name;   // as listed in the pairs CSV
  std::string image;  // resolved image path
  std::string edge;   // edge PNG path (EdgeSource::Files)
  Keypoints kp;
};

class ScaDatasetIndex {
 public:
  // Reads the pairs and the annotation CSV and resolves paths. Errors: missing files (naming what was
  // looked for), malformed rows (io/keypoints.h), annotation names that are not images of the split, pair
  // names without keypoints (naming the pairs file and line), an edge record that differs from opt.xdog.
  static ScaDatasetIndex load(const std::string& root, const std::string& split, const ScaDataOptions& opt);

  // Checks that every image (and, for EdgeSource::Files, every edge PNG) exists, is readable and has one
  // size (height x width when > 0, else the first image's); reports the first offenders together. Sets
  // height() and width(). `threads` <= 0: all cores.
  void validate(int height = 0, int width = 0, int threads = 0, size_t max_report = 10);

  const std::string& root() const { return root_; }
  const std::string& split() const { return split_; }
  const std::string& pairs_path() const { return pairs_path_; }
  const std::string& annotation_path() const { return annotation_path_; }
  const std::string& edge_dir() const { return edge_dir_; }
  bool edge_record_found() const { return edge_record_found_; }
  const ScaDataOptions& options() const { return opt_; }
  const std::vector<ScaItem>& items() const { return items_; }
  const std::vector<std::pair<int, int>>& pairs() const { return pairs_; }  // (source, target) item ids
  int height() const { return height_; }
  int width() const { return width_; }

 private:
  std::string root_, split_, pairs_path_, annotation_path_, edge_dir_;
  bool edge_record_found_ = false;
  ScaDataOptions opt_;
  std::vector<ScaItem> items_;
  std::vector<std::pair<int, int>> pairs_;
  int height_ = 0, width_ = 0;
};

// One pair's network inputs (docs/sca.md section 1), float32 on the CPU.
struct ScaSample {
  std::string from, to;
  Tensor P1, P2;        // [3, H, W] byte / 127.5 - 1
  Tensor EP1, EP2;      // [1, H, W] 1 - 2 byte / 255 (lines +1)
  Tensor BP2;           // [18, H, W] target heatmaps
  Tensor BEP2;          // [18, H, W] shifted source edge patches
  Tensor kp1, kp2;      // [18, 2] (y, x)
  Tensor E1, E2;        // [1, H, W] the edge bytes 0..255 (as stored)
};
// Pair `pair` of a validated index; decoding errors name the file.
ScaSample make_sca_sample(const ScaDatasetIndex& index, int pair);

// Samples stacked along a new first dimension: P1 [N, 3, H, W], ..., kp1 [N, 18, 2].
struct ScaSampleBatch {
  Tensor P1, P2, EP1, EP2, BP2, BEP2, kp1, kp2;
  std::vector<std::string> names;  // "from>to" per row
};
ScaSampleBatch make_sca_batch(const ScaDatasetIndex& index, const std::vector<int>& pairs);

// Helpers shared with dpt-edges and the contact sheet: RGB bytes -> [1, 3, H, W] float32 byte values,
// and the stored edge bytes of an image computed by XDoG ([1, 1, H, W]).
Tensor image_bytes_tensor(const std::string& path, int* height = nullptr, int* width = nullptr);
Tensor xdog_edge_bytes(const Tensor& rgb_bytes, const XdogParams& p);
// The edge PNG at path as [1, 1, H, W] float32 bytes; a colour PNG (R, G, B not equal) is an error.
Tensor read_edge_png(const std::string& path);

}  // namespace dpt
