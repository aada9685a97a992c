// File matching for dpt-eval (Note [dpt-eval matching] in eval/match.h): folder listing, pairs CSV,
// and lookups that collect every missing file before failing, so one run reports them all.
#include "eval/match.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "io/image_path.h"

namespace fs = std::filesystem;

namespace dpt::eval {

namespace {

void check_dir(const std::string& dir, const char* what) {
  DPT_CHECK(!dir.empty(), "no " << what << " folder given");
  std::error_code ec;
  DPT_CHECK(fs::is_directory(dir, ec), "" << what << " folder '" << dir << "' does not exist or is not a folder");
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// The first existing dir/<candidate>, else "".
std::string first_existing(const std::string& dir, const std::vector<std::string>& candidates) {
  for (const auto& c : candidates)
    if (is_file(dir + "/" + c)) return dir + "/" + c;
  return "";
}

// Collects names of missing files; throws once with a short list.
struct Missing {
  std::string what;
  std::vector<std::string> names;
  void add(const std::string& n) { names.push_back(n); }
  void throw_if_any(const std::string& where) const {
    if (names.empty()) return;
    std::ostringstream os;
    os << "" << names.size() << " " << what << " missing in '" << where << "': ";
    for (size_t i = 0; i < names.size() && i < 5; ++i) os << (i ? ", " : "") << names[i];
    if (names.size() > 5) os << ", ...";
    throw Error(os.str());
  }
};

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  std::string t = s.substr(b, e - b);
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
  return t;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string cur;
  std::istringstream is(line);
  while (std::getline(is, cur, ',')) fields.push_back(trim(cur));
  if (!line.empty() && line.back() == ',') fields.push_back("");
  return fields;
}

// iuv_dir/<stem>.png, <stem>_iuv.png, <stem>_IUV.png
std::string find_iuv(const std::string& iuv_dir, const std::string& stem) {
  return first_existing(iuv_dir, {stem + ".png", stem + "_iuv.png", stem + "_IUV.png"});
}

}  // namespace

std::vector<std::pair<std::string, std::string>> read_pairs_csv(const std::string& path) {
  std::ifstream in(path);
  DPT_CHECK(in, "cannot open pairs file '" << path << "'");
  std::vector<std::pair<std::string, std::string>> rows;
  std::set<std::pair<std::string, std::string>> seen;
  std::string line;
  int line_no = 0, from_col = -1, to_col = -1;
  size_t ncols = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    const std::vector<std::string> f = split_csv_line(line);
    if (from_col < 0) {  // header
      for (size_t i = 0; i < f.size(); ++i) {
        if (f[i] == "from") from_col = static_cast<int>(i);
        if (f[i] == "to") to_col = static_cast<int>(i);
      }
      DPT_CHECK(from_col >= 0 && to_col >= 0,
                "pairs file '" << path << "' line " << line_no << ": the header must name the columns 'from' and 'to', got '" << line << "'");
      ncols = f.size();
      continue;
    }
    DPT_CHECK(f.size() == ncols, "pairs file '" << path << "' line " << line_no << ": " << f.size()
                                                          << " fields, the header has " << ncols);
    std::pair<std::string, std::string> row{f[from_col], f[to_col]};
    DPT_CHECK(!row.first.empty() && !row.second.empty(), "pairs file '" << path << "' line " << line_no << ": empty name");
    DPT_CHECK(seen.insert(row).second, "pairs file '" << path << "' line " << line_no << ": pair "
                                                                << row.first << "," << row.second << " is repeated");
    rows.push_back(row);
  }
  DPT_CHECK(from_col >= 0, "pairs file '" << path << "' is empty (expected a header 'from,to')");
  DPT_CHECK(!rows.empty(), "pairs file '" << path << "' has a header but no pairs");
  return rows;
}

std::vector<EvalItem> match_files(const MatchOptions& opt) {
  check_dir(opt.pred_dir, "prediction");
  check_dir(opt.gt_dir, "ground-truth");
  if (!opt.iuv_dir.empty()) check_dir(opt.iuv_dir, "IUV");

  std::vector<EvalItem> items;
  Missing no_pred{"prediction(s)", {}}, no_gt{"ground-truth image(s)", {}}, no_iuv{"IUV map(s)", {}};
  if (opt.pairs_csv.empty()) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(opt.pred_dir))
      if (e.is_regular_file() && has_image_extension(e.path().filename().string())) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    DPT_CHECK(!names.empty(), "no .png/.jpg/.jpeg images in prediction folder '" << opt.pred_dir << "'");
    std::map<std::string, std::string> by_stem;
    for (const auto& n : names) {
      auto [it, fresh] = by_stem.emplace(image_stem(n), n);
      DPT_CHECK(fresh, "prediction folder '" << opt.pred_dir << "' holds both " << it->second << " and " << n
                                                       << " (one prediction per name)");
    }
    for (const auto& n : names) {
      EvalItem it;
      it.name = image_stem(n);
      it.pred = opt.pred_dir + "/" + n;
      it.gt = find_image(opt.gt_dir, n);
      if (it.gt.empty()) no_gt.add(n);
      if (!opt.iuv_dir.empty()) {
        it.iuv = find_iuv(opt.iuv_dir, it.name);
        if (it.iuv.empty()) no_iuv.add(it.name + ".png");
      }
      items.push_back(it);
    }
  } else {
    for (const auto& [from, to] : read_pairs_csv(opt.pairs_csv)) {
      EvalItem it;
      const std::string to_stem = image_stem(to);
      it.name = image_stem(from) + "___" + to_stem;
      it.pred = find_image(opt.pred_dir, it.name + ".png");
      if (it.pred.empty()) no_pred.add(it.name + ".png");
      it.gt = find_image(opt.gt_dir, to);
      if (it.gt.empty()) no_gt.add(to);
      if (!opt.iuv_dir.empty()) {
        it.iuv = find_iuv(opt.iuv_dir, to_stem);
        if (it.iuv.empty()) no_iuv.add(to_stem + ".png");
      }
      items.push_back(it);
    }
  }
  no_pred.throw_if_any(opt.pred_dir);
  no_gt.throw_if_any(opt.gt_dir);
  no_iuv.throw_if_any(opt.iuv_dir);
  return items;
}

}  // namespace dpt::eval
