// The SCA-GAN dataset index, the edge-parameter record and the per-pair sample builder (sca_dataset.h).
// Heatmaps, XDoG and BEP2 come from the ops (ops/heatmap.h, ops/xdog.h, ops/bep2.h), run on the CPU.
#include "io/sca_dataset.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "io/csv.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/json.h"
#include "ops/bep2.h"
#include "ops/heatmap.h"
#include "ops/xdog.h"

namespace dpt {

namespace {

std::string image_stem(const std::string& name) {
  const std::string ext = file_extension(name);
  return (ext == ".jpg" || ext == ".jpeg" || ext == ".png") ? name.substr(0, name.size() - ext.size()) : name;
}

std::string resolve_image(const std::string& dir, const std::string& name) {
  if (file_exists(dir + name)) return dir + name;
  const std::string stem = image_stem(name);
  for (const char* ext : {".jpg", ".png", ".jpeg"})
    if (file_exists(dir + stem + ext)) return dir + stem + ext;
  return dir + (stem == name ? name + ".jpg" : name);  // missing: validate() reports it
}

// The first existing file of root/<candidate>, or an error listing every candidate.
std::string find_index_file(const std::string& root, const std::vector<std::string>& names, const char* what) {
  std::ostringstream tried;
  for (const std::string& n : names) {
    if (file_exists(root + "/" + n)) return root + "/" + n;
    tried << " " << n;
  }
  DPT_FAIL("SCA dataset " << root << ": no " << what << " file (looked for" << tried.str() << "; docs/sca.md section 1)");
}

// Image names of a split folder (regular files with an image extension).
std::vector<std::string> list_images(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const std::string n = it->path().filename().string();
    const std::string ext = file_extension(n);
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".png") out.push_back(n);
  }
  DPT_CHECK(!ec, dir << ": cannot list the image folder: " << ec.message());
  return out;
}

bool same_params(const XdogParams& a, const XdogParams& b) {
  return a.sigma == b.sigma && a.k == b.k && a.gamma == b.gamma && a.phi == b.phi && a.eps == b.eps;
}

Tensor stack(const std::vector<Tensor>& ts) {
  Shape shape = ts.at(0).shape();
  shape.insert(shape.begin(), static_cast<int64_t>(ts.size()));
  Tensor out = Tensor::empty(shape, ts[0].dtype());
  const int64_t n = ts[0].numel();
  for (size_t i = 0; i < ts.size(); ++i) {
    DPT_CHECK(ts[i].shape() == ts[0].shape(), "make_sca_batch: sample shapes differ: " << ts[i].shape_str() << " vs "
                                                                                         << ts[0].shape_str());
    const Tensor c = ts[i].contiguous();
    std::copy_n(c.data<float>(), n, out.data<float>() + i * n);
  }
  return out;
}

}  // namespace

EdgeSource parse_edge_source(const std::string& s) {
  if (s == "files") return EdgeSource::Files;
  if (s == "xdog") return EdgeSource::Xdog;
  DPT_FAIL("edges: '" << s << "' is not an edge source; use \"files\" (read the edge PNGs) or \"xdog\" (compute "
                      << "them from the images)");
}

const char* edge_source_name(EdgeSource e) { return e == EdgeSource::Files ? "files" : "xdog"; }

std::string sca_edge_file_name(const std::string& image_name) {
  std::string base = image_name.substr(image_name.find_last_of('/') == std::string::npos ? 0
                                                                                         : image_name.find_last_of('/') + 1);
  if (base.compare(0, 7, "fashion") == 0 && base.size() > 7) base = base.substr(7);
  return image_stem(base) + ".png";
}

// ---- Note [edge cache]

std::string xdog_record_path(const std::string& edge_dir) { return edge_dir + "/xdog.json"; }

std::string xdog_params_str(const XdogParams& p) {
  auto num = [](double v) {  // the shortest text that reads back as v
    char buf[32];
    for (int prec = 1; prec <= 17; ++prec) {
      std::snprintf(buf, sizeof buf, "%.*g", prec, v);
      const bool exponent = std::string(buf).find('e') != std::string::npos;
      if (std::strtod(buf, nullptr) == v && (!exponent || std::fabs(v) < 1e-4 || std::fabs(v) >= 1e15)) break;
    }
    return std::string(buf);
  };
  std::ostringstream os;
  os << "sigma " << num(p.sigma) << ", k " << num(p.k) << ", gamma " << num(p.gamma) << ", phi " << num(p.phi)
     << ", eps " << num(p.eps);
  return os.str();
}


void write_xdog_record(const std::string& edge_dir, const XdogParams& p) {
  Json j = Json::object();
  j.set("filter", "xdog");
  j.set("contract", "docs/sca.md section 1 (main.m branch, un-thresholded, min-max normalised, dark lines)");
  j.set("sigma", p.sigma);
  j.set("k", p.k);
  j.set("gamma", p.gamma);
  j.set("phi", p.phi);
  j.set("eps", p.eps);
  const std::string text = j.dump() + "\n";
  write_file_atomic(xdog_record_path(edge_dir), text.data(), text.size());
}

bool read_xdog_record(const std::string& edge_dir, XdogParams* p) {
  const std::string path = xdog_record_path(edge_dir);
  if (!file_exists(path)) return false;
  const Json j = read_json_file(path);
  DPT_CHECK(j.is_object() && j.contains("filter") && j.at("filter").is_string() && j.at("filter").as_string() == "xdog",
            path << ": not an XDoG parameter record (expected {\"filter\": \"xdog\", ...}); remove it or rerun dpt-edges");
  try {
    p->sigma = j.at("sigma").as_number();
    p->k = j.at("k").as_number();
    p->gamma = j.at("gamma").as_number();
    p->phi = j.at("phi").as_number();
    p->eps = j.at("eps").as_number();
  } catch (const std::exception& e) {
    DPT_FAIL(path << ": " << e.what());
  }
  return true;
}

bool check_xdog_record(const std::string& edge_dir, const XdogParams& want) {
  XdogParams have;
  if (!read_xdog_record(edge_dir, &have)) return false;
  DPT_CHECK(same_params(have, want), "edge maps in " << edge_dir << " were made with XDoG " << xdog_params_str(have)
                                                     << " (" << xdog_record_path(edge_dir) << "), but " << xdog_params_str(want)
                                                     << " are requested: regenerate them with dpt-edges (--force), "
                                                     << "point edge_dir elsewhere, or request the recorded parameters");
  return true;
}

// ---- the index

ScaDatasetIndex ScaDatasetIndex::load(const std::string& root, const std::string& split, const ScaDataOptions& opt) {
  ScaDatasetIndex ix;
  ix.root_ = root;
  ix.split_ = split;
  ix.opt_ = opt;
  ix.edge_dir_ = opt.edge_dir.empty() ? root + "/trainE/diff" : opt.edge_dir;
  ix.pairs_path_ = find_index_file(root,
                                   {"fasion-resize-pairs-" + split + ".csv", "fashion-resize-pairs-" + split + ".csv",
                                    "pairs-" + split + ".csv"},
                                   "pairs");
  ix.annotation_path_ = find_index_file(
      root, {"fasion-resize-annotation-" + split + ".csv", "fashion-resize-annotation-" + split + ".csv"},
      "keypoint annotation");
  const std::string image_dir = root + "/" + split + "/";
  DPT_CHECK(std::filesystem::is_directory(image_dir), "SCA dataset " << root << ": no image folder " << image_dir);

  const KeypointTable kp = read_keypoints_csv(ix.annotation_path_);
  check_keypoint_names(kp, list_images(image_dir), "split '" + split + "' (the images in " + image_dir + ")");

  const CsvTable pairs = read_csv(ix.pairs_path_, {"from", "to"});
  DPT_CHECK(!pairs.rows.empty(), ix.pairs_path_ << ": no pairs");
  std::map<std::string, int> item_of;
  std::ostringstream missing;
  int n_missing = 0;
  for (size_t r = 0; r < pairs.rows.size(); ++r) {
    int ids[2];
    for (int k = 0; k < 2; ++k) {
      const std::string& name = pairs.rows[r][k];
      DPT_CHECK(!name.empty() && name[0] != '/' && name.find("..") == std::string::npos,
                ix.pairs_path_ << ":" << pairs.row_lines[r] << ": name '" << name
                               << "' must be relative to the split folder, without '..'");
      auto it = item_of.find(name);
      if (it != item_of.end()) {
        ids[k] = it->second;
        continue;
      }
      const Keypoints* p = kp.find(name);
      if (!p) {
        if (n_missing++ < 5) missing << "\n  " << ix.pairs_path_ << ":" << pairs.row_lines[r] << ": '" << name << "'";
        ids[k] = -1;
        continue;
      }
      ids[k] = static_cast<int>(ix.items_.size());
      ix.items_.push_back({name, resolve_image(image_dir, name), ix.edge_dir_ + "/" + sca_edge_file_name(name), *p});
      item_of.emplace(name, ids[k]);
    }
    ix.pairs_.emplace_back(ids[0], ids[1]);
  }
  DPT_CHECK(n_missing == 0, ix.annotation_path_ << ": no keypoints for " << n_missing << " pair name(s)"
                                                << (n_missing > 5 ? " (first 5)" : "") << ":" << missing.str());
  if (opt.edges == EdgeSource::Files) ix.edge_record_found_ = check_xdog_record(ix.edge_dir_, opt.xdog);
  return ix;
}

void ScaDatasetIndex::validate(int height, int width, int threads, size_t max_report) {
  const size_t n = items_.size();
  const bool edges = opt_.edges == EdgeSource::Files;
  std::vector<int> ih(n, 0), iw(n, 0);
  std::vector<std::string> problem(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) {
      const ScaItem& s = items_[i];
      try {
        DPT_CHECK(file_exists(s.image), s.image << ": missing image");
        const ImageInfo a = read_image_info(s.image);
        ih[i] = a.height, iw[i] = a.width;
        if (edges) {
          DPT_CHECK(file_exists(s.edge), s.edge << ": missing edge map of " << s.name << " (run dpt-edges, or edges = \"xdog\")");
          const ImageInfo b = read_image_info(s.edge);
          DPT_CHECK(b.format == ImageFormat::PNG, s.edge << ": edge maps must be PNG");
          DPT_CHECK(b.height == a.height && b.width == a.width, s.edge << ": edge map " << b.height << "x" << b.width
                                                                       << " differs from its image " << s.image << " "
                                                                       << a.height << "x" << a.width);
        }
      } catch (const std::exception& e) {
        problem[i] = e.what();
      }
    }
  };
  int nt = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  nt = static_cast<int>(std::min<size_t>(static_cast<size_t>(nt), std::max<size_t>(n, 1)));
  std::vector<std::thread> pool;
  for (int t = 0; t < nt; ++t) pool.emplace_back(work);
  for (std::thread& t : pool) t.join();

  int H = height, W = width;
  for (size_t i = 0; i < n && H <= 0; ++i)
    if (problem[i].empty()) H = ih[i], W = iw[i];
  for (size_t i = 0; i < n; ++i)
    if (problem[i].empty() && (ih[i] != H || iw[i] != W))
      problem[i] = items_[i].image + ": size " + std::to_string(ih[i]) + "x" + std::to_string(iw[i]) +
                   " (HxW) differs from the dataset's " + std::to_string(H) + "x" + std::to_string(W);
  size_t bad = 0;
  std::ostringstream report;
  for (size_t i = 0; i < n; ++i)
    if (!problem[i].empty() && bad++ < max_report) report << "\n  " << problem[i];
  DPT_CHECK(bad == 0, "SCA dataset " << root_ << " split " << split_ << ": " << bad << " of " << n
                                     << " images have problems" << (bad > max_report ? " (first ones shown)" : "")
                                     << ":" << report.str());
  height_ = H;
  width_ = W;
}

// ---- samples

Tensor image_bytes_tensor(const std::string& path, int* height, int* width) {
  const Image8 img = read_image(path);
  const int64_t H = img.height, W = img.width, P = H * W;
  Tensor t = Tensor::empty({1, 3, H, W});
  float* d = t.data<float>();
  for (int64_t p = 0; p < P; ++p)
    for (int c = 0; c < 3; ++c) d[c * P + p] = static_cast<float>(img.pixels[p * 3 + c]);
  if (height) *height = img.height;
  if (width) *width = img.width;
  return t;
}

Tensor xdog_edge_bytes(const Tensor& rgb_bytes, const XdogParams& p) { return xdog(rgb_bytes, p).edge; }

Tensor read_edge_png(const std::string& path) {
  const Image8 img = read_image(path);
  const int64_t P = static_cast<int64_t>(img.height) * img.width;
  Tensor t = Tensor::empty({1, 1, img.height, img.width});
  float* d = t.data<float>();
  for (int64_t p = 0; p < P; ++p) {
    const uint8_t* px = &img.pixels[p * 3];
    DPT_CHECK(px[0] == px[1] && px[1] == px[2], path << ": edge maps are grey, but pixel (" << p / img.width << ", "
                                                     << p % img.width << ") is (" << int(px[0]) << ", " << int(px[1])
                                                     << ", " << int(px[2]) << ")");
    d[p] = static_cast<float>(px[0]);
  }
  return t;
}

namespace {

// Image bytes and edge bytes of one item, checked against the index size.
void load_item(const ScaDatasetIndex& ix, const ScaItem& it, Tensor* rgb, Tensor* edge) {
  int h = 0, w = 0;
  *rgb = image_bytes_tensor(it.image, &h, &w);
  DPT_CHECK(h == ix.height() && w == ix.width(), it.image << ": size " << h << "x" << w << " differs from the dataset's "
                                                          << ix.height() << "x" << ix.width());
  if (ix.options().edges == EdgeSource::Xdog) {
    *edge = xdog_edge_bytes(*rgb, ix.options().xdog);
  } else {
    *edge = read_edge_png(it.edge);
    DPT_CHECK(edge->size(2) == h && edge->size(3) == w, it.edge << ": edge map " << edge->size(2) << "x" << edge->size(3)
                                                                << " differs from its image " << h << "x" << w);
  }
}

Tensor image_to_network(const Tensor& rgb_bytes) {
  Tensor out = Tensor::empty({rgb_bytes.size(1), rgb_bytes.size(2), rgb_bytes.size(3)});
  const float* s = rgb_bytes.data<float>();
  float* d = out.data<float>();
  for (int64_t i = 0; i < out.numel(); ++i) d[i] = static_cast<float>(static_cast<double>(s[i]) / 127.5 - 1.0);
  return out;
}

}  // namespace

ScaSample make_sca_sample(const ScaDatasetIndex& index, int pair) {
  DPT_CHECK(index.height() > 0, "make_sca_sample: validate() the SCA dataset index first");
  DPT_CHECK(pair >= 0 && pair < static_cast<int>(index.pairs().size()),
            "make_sca_sample: pair " << pair << " of " << index.pairs().size());
  const ScaItem& a = index.items()[index.pairs()[pair].first];
  const ScaItem& b = index.items()[index.pairs()[pair].second];
  const int64_t H = index.height(), W = index.width();
  ScaSample s;
  s.from = a.name, s.to = b.name;
  Tensor rgb1, rgb2, e1, e2;
  load_item(index, a, &rgb1, &e1);
  load_item(index, b, &rgb2, &e2);
  s.P1 = image_to_network(rgb1);
  s.P2 = image_to_network(rgb2);
  s.E1 = e1.reshape({1, H, W});
  s.E2 = e2.reshape({1, H, W});
  s.EP1 = edge_bytes_to_network(s.E1);
  s.EP2 = edge_bytes_to_network(s.E2);
  const Tensor k1 = keypoints_to_tensor({a.kp}), k2 = keypoints_to_tensor({b.kp});
  s.kp1 = k1.reshape({kCocoJoints, 2});
  s.kp2 = k2.reshape({kCocoJoints, 2});
  s.BP2 = keypoint_heatmaps(k2, H, W, index.options().sigma).reshape({kCocoJoints, H, W});
  s.BEP2 = bep2(e1, k1, k2, index.options().bep2()).reshape({kCocoJoints, H, W});
  return s;
}

ScaSampleBatch make_sca_batch(const ScaDatasetIndex& index, const std::vector<int>& pairs) {
  DPT_CHECK(!pairs.empty(), "make_sca_batch: no pairs");
  std::vector<ScaSample> ss;
  for (int p : pairs) ss.push_back(make_sca_sample(index, p));
  auto col = [&](Tensor ScaSample::*m) {
    std::vector<Tensor> v;
    for (const ScaSample& s : ss) v.push_back(s.*m);
    return stack(v);
  };
  ScaSampleBatch b;
  b.P1 = col(&ScaSample::P1), b.P2 = col(&ScaSample::P2), b.EP1 = col(&ScaSample::EP1), b.EP2 = col(&ScaSample::EP2);
  b.BP2 = col(&ScaSample::BP2), b.BEP2 = col(&ScaSample::BEP2), b.kp1 = col(&ScaSample::kp1), b.kp2 = col(&ScaSample::kp2);
  for (const ScaSample& s : ss) b.names.push_back(s.from + ">" + s.to);
  return b;
}

}  // namespace dpt
