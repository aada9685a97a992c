// The dataset index (docs/dpt.md section 7): pairs-<split>.csv (from,to), persons-<split>.csv (name,person)
// and the image / IUV files they name, checked once before training so a bad file fails fast.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "io/iuv.h"

namespace dpt {

// Layout under root:
//   <split>/<name>.(jpg|png)      images (a name may carry its extension, as DeepFashion's pair lists do)
//   <split>_iuv/<name>.png        DensePose IUV map of the same size (name without the image extension)
//   pairs-<split>.csv             header from,to: source and target image names of one person
//   persons-<split>.csv           optional, header name,person: person identity of every view
// Without persons-<split>.csv the person is the DeepFashion clothing-item id in the name (the text up to
// "id" + 8 digits, e.g. fashionWOMENDressesid00002629 of fashionWOMENDressesid0000262902_3back.jpg);
// a name without one is a person of its own.

std::vector<std::pair<std::string, std::string>> read_pairs_csv(const std::string& path);    // (from, to)
std::vector<std::pair<std::string, std::string>> read_persons_csv(const std::string& path);  // (name, person)
// The DeepFashion item id in a name, or "" when there is none.
std::string deepfashion_person(const std::string& name);

struct DatasetSample {
  std::string name;   // as listed (possibly with an extension)
  std::string image;  // resolved path of the image
  std::string iuv;    // path of the IUV map
  int person = -1;    // index into DatasetIndex::person_names()
};

class DatasetIndex {
 public:
  // Reads the CSV files and resolves paths (an existing <name>, else <stem>.jpg, .png, .jpeg). Does not
  // open images: call validate() before training.
  static DatasetIndex load(const std::string& root, const std::string& split);

  // Checks that every image and IUV map exists, is readable and that all have one size: height x width
  // when given (> 0), else the first sample's. Headers only by default; with decode_all every file is
  // decoded once: the image completely (a truncated or corrupt JPEG/PNG body fails here, not mid-run)
  // and the IUV map with its part indices checked to be in 0..24 (read_iuv; the channel order resolved
  // per file for Auto). Reports the first max_report offenders and the total in one Error. Sets height()
  // and width(). Uses `threads` threads (<= 0: all cores). show_progress: a progress line on stderr for
  // sets of kProgressMinSamples samples or more.
  void validate(int height = 0, int width = 0, bool decode_all = false, IUVOrder order = IUVOrder::BGR, int threads = 0,
                size_t max_report = 10, bool show_progress = false);
  static constexpr size_t kProgressMinSamples = 200;

  const std::string& root() const { return root_; }
  const std::string& split() const { return split_; }
  const std::vector<DatasetSample>& samples() const { return samples_; }
  const std::vector<std::pair<int, int>>& pairs() const { return pairs_; }  // (source, target) sample ids
  const std::vector<std::string>& person_names() const { return person_names_; }
  const std::vector<std::vector<int>>& person_views() const { return person_views_; }  // sample ids per person
  // Persons with at least two views: the ones the inpainting stage can sample K views from.
  std::vector<int> multi_view_persons() const;
  bool validated() const { return height_ > 0; }
  int height() const { return height_; }
  int width() const { return width_; }

 private:
  std::string root_, split_;
  std::vector<DatasetSample> samples_;
  std::vector<std::pair<int, int>> pairs_;
  std::vector<std::string> person_names_;
  std::vector<std::vector<int>> person_views_;
  int height_ = 0, width_ = 0;
};

}  // namespace dpt
