// DatasetIndex: reads the §7 index files, resolves image / IUV paths, and validates every file (in
// parallel, headers only by default) before training, reporting the first offenders.
#include "io/dataset.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <memory>
#include <sstream>
#include <system_error>
#include <thread>

#include "core/error.h"
#include "core/progress.h"
#include "io/csv.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/image_path.h"

namespace dpt {

namespace {

// Names come from text files and become paths: refuse ones that could escape the dataset folder.
void check_name(const std::string& name, const std::string& file, int line) {
  DPT_CHECK(!name.empty(), file << ":" << line << ": empty name");
  DPT_CHECK(name[0] != '/' && name.find("..") == std::string::npos,
            file << ":" << line << ": name '" << name << "' must be relative to the split folder, without '..'");
}

std::vector<std::pair<std::string, std::string>> read_two_columns(const std::string& path,
                                                                  const std::vector<std::string>& header) {
  CsvTable t = read_csv(path, header);
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(t.rows.size());
  for (size_t r = 0; r < t.rows.size(); ++r) {
    check_name(t.rows[r][0], path, t.row_lines[r]);
    check_name(t.rows[r][1], path, t.row_lines[r]);
    out.emplace_back(t.rows[r][0], t.rows[r][1]);
  }
  return out;
}

// The image of name (io/image_path.h); when there is none, the path validate() reports as missing.
std::string resolve_image(const std::string& dir, const std::string& name) {
  const std::string found = find_image(dir, name);
  if (!found.empty()) return found;
  return dir + (image_stem(name) == name ? name + ".jpg" : name);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> read_pairs_csv(const std::string& path) {
  return read_two_columns(path, {"from", "to"});
}

std::vector<std::pair<std::string, std::string>> read_persons_csv(const std::string& path) {
  return read_two_columns(path, {"name", "person"});
}

std::string deepfashion_person(const std::string& name) {
  // The last "id" (or "id_") followed by 8 digits.
  for (size_t pos = name.rfind("id"); pos != std::string::npos;
       pos = pos ? name.rfind("id", pos - 1) : std::string::npos) {
    size_t d = pos + 2;
    if (d < name.size() && name[d] == '_') ++d;
    if (d + 8 > name.size()) continue;
    bool digits = true;
    for (size_t k = d; k < d + 8; ++k) digits = digits && std::isdigit(static_cast<unsigned char>(name[k]));
    if (digits) return name.substr(0, d + 8);
  }
  return "";
}

DatasetIndex DatasetIndex::load(const std::string& root, const std::string& split) {
  DatasetIndex ix;
  ix.root_ = root;
  ix.split_ = split;
  const std::string pairs_path = root + "/pairs-" + split + ".csv";
  const std::string persons_path = root + "/persons-" + split + ".csv";
  DPT_CHECK(file_exists(pairs_path), "dataset " << root << ": no " << pairs_path << " (see docs/dpt.md section 7)");
  const auto pairs = read_pairs_csv(pairs_path);
  DPT_CHECK(!pairs.empty(), pairs_path << ": no pairs");

  std::map<std::string, int> sample_of, person_of;
  std::map<std::string, std::string> listed_person;  // from persons-<split>.csv
  const bool have_persons = file_exists(persons_path);
  const std::string image_dir = root + "/" + split + "/", iuv_dir = root + "/" + split + "_iuv/";
  auto add_sample = [&](const std::string& name, const std::string& person) {
    auto it = sample_of.find(name);
    if (it != sample_of.end()) return it->second;
    const std::string p = person.empty() ? name : person;  // no id: a person of its own
    auto pit = person_of.emplace(p, static_cast<int>(ix.person_names_.size())).first;
    if (pit->second == static_cast<int>(ix.person_names_.size())) {
      ix.person_names_.push_back(p);
      ix.person_views_.emplace_back();
    }
    const int id = static_cast<int>(ix.samples_.size());
    ix.samples_.push_back({name, resolve_image(image_dir, name), iuv_dir + image_stem(name) + ".png", pit->second});
    ix.person_views_[pit->second].push_back(id);
    sample_of.emplace(name, id);
    return id;
  };
  if (have_persons) {
    for (const auto& np : read_persons_csv(persons_path)) {
      DPT_CHECK(listed_person.emplace(np.first, np.second).second,
                persons_path << ": '" << np.first << "' listed twice");
      add_sample(np.first, np.second);
    }
  }
  std::vector<std::string> unlisted;
  for (const auto& ft : pairs) {
    for (const std::string* n : {&ft.first, &ft.second})
      if (have_persons && !listed_person.count(*n) && unlisted.size() < 10) unlisted.push_back(*n);
    if (!unlisted.empty()) continue;
    const int a = add_sample(ft.first, have_persons ? listed_person[ft.first] : deepfashion_person(ft.first));
    const int b = add_sample(ft.second, have_persons ? listed_person[ft.second] : deepfashion_person(ft.second));
    ix.pairs_.emplace_back(a, b);
  }
  if (!unlisted.empty()) {
    std::ostringstream os;
    for (const std::string& n : unlisted) os << " " << n;
    DPT_FAIL(pairs_path << ": names missing from " << persons_path << ":" << os.str());
  }
  return ix;
}

std::vector<int> DatasetIndex::multi_view_persons() const {
  std::vector<int> out;
  for (size_t p = 0; p < person_views_.size(); ++p)
    if (person_views_[p].size() >= 2) out.push_back(static_cast<int>(p));
  return out;
}

void DatasetIndex::validate(int height, int width, bool decode_all, IUVOrder order, int threads, size_t max_report,
                            bool show_progress) {
  const size_t n = samples_.size();
  // A line only for sets that take a while (decoding runs at a few hundred samples per second).
  std::unique_ptr<Progress> progress;
  if (show_progress && n >= kProgressMinSamples) {
    progress = std::make_unique<Progress>(decode_all ? "checking the dataset (decoding every file)" : "checking the dataset",
                                          static_cast<int64_t>(n), 1, 0, "samples");
  }
  std::atomic<size_t> done{0};
  // Per sample: its sizes (image and IUV) or the problem found.
  std::vector<int> ih(n, 0), iw(n, 0), uh(n, 0), uw(n, 0);
  std::vector<std::string> problem(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) {
      const DatasetSample& s = samples_[i];
      try {
        if (!file_exists(s.image)) DPT_FAIL(s.image << ": missing image");
        if (!file_exists(s.iuv)) DPT_FAIL(s.iuv << ": missing IUV map");
        if (decode_all) {
          const Image8 img = read_image(s.image);
          const Tensor iuv = read_iuv(s.iuv, order);
          ih[i] = img.height, iw[i] = img.width;
          uh[i] = static_cast<int>(iuv.size(1)), uw[i] = static_cast<int>(iuv.size(2));
        } else {
          const ImageInfo a = read_image_info(s.image), b = read_image_info(s.iuv);
          DPT_CHECK(b.format == ImageFormat::PNG, s.iuv << ": IUV maps must be PNG");
          ih[i] = a.height, iw[i] = a.width, uh[i] = b.height, uw[i] = b.width;
        }
        check_iuv_matches_image(s.iuv, uh[i], uw[i], s.image, ih[i], iw[i]);
      } catch (const std::exception& e) {  // recorded, reported together below
        problem[i] = e.what();
      }
      const size_t d = ++done;
      if (progress) progress->update(static_cast<int64_t>(d), s.name);
    }
  };
  int nt = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  nt = static_cast<int>(std::min<size_t>(static_cast<size_t>(nt), std::max<size_t>(n, 1)));
  std::vector<std::thread> pool;
  try {
    for (int t = 0; t < nt; ++t) pool.emplace_back(work);
  } catch (const std::system_error&) {  // no more threads: the ones started (or this one) do the rest
  }
  if (pool.empty()) work();
  for (std::thread& t : pool) t.join();
  if (progress) progress->finish();

  // One size for the whole split (batches stack samples).
  int H = height, W = width;
  for (size_t i = 0; i < n && H <= 0; ++i)
    if (problem[i].empty()) H = ih[i], W = iw[i];
  for (size_t i = 0; i < n; ++i)
    if (problem[i].empty() && (ih[i] != H || iw[i] != W))
      problem[i] = samples_[i].image + ": size " + std::to_string(ih[i]) + "x" + std::to_string(iw[i]) +
                   " (HxW) differs from the dataset's " + std::to_string(H) + "x" + std::to_string(W);
  size_t bad = 0;
  std::ostringstream report;
  for (size_t i = 0; i < n; ++i)
    if (!problem[i].empty() && bad++ < max_report) report << "\n  " << problem[i];
  DPT_CHECK(bad == 0, "dataset " << root_ << " split " << split_ << ": " << bad << " of " << n
                                 << " samples have problems" << (bad > max_report ? " (first ones shown)" : "") << ":"
                                 << report.str());
  height_ = H;
  width_ = W;
}

}  // namespace dpt
