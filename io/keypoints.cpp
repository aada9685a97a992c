// The PATN annotation CSV reader / writer (keypoints.h). Rows are split at ':' (names never contain one);
// the lists are JSON-like integer lists, parsed here strictly so that every error names file and line.
#include "io/keypoints.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

#include "core/error.h"
#include "io/file_io.h"

namespace dpt {

const char* const kCocoJointNames[kCocoJoints] = {"nose", "neck", "Rsho", "Relb", "Rwri", "Lsho",
                                                  "Lelb", "Lwri", "Rhip", "Rkne", "Rank", "Lhip",
                                                  "Lkne", "Lank", "Leye", "Reye", "Lear", "Rear"};

namespace {

const char* kHeader = "name:keypoints_y:keypoints_x";

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::string stem_of(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || name.find('/', dot) != std::string::npos) return name;
  std::string ext = name.substr(dot);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return (ext == ".jpg" || ext == ".jpeg" || ext == ".png") ? name.substr(0, dot) : name;
}

// "[a, b, ...]" -> 18 ints; `what` is "file:line: keypoints_y" for messages.
std::array<int, kCocoJoints> parse_list(const std::string& field, const std::string& what) {
  const std::string f = trim(field);
  DPT_CHECK(f.size() >= 2 && f.front() == '[' && f.back() == ']',
            what << ": expected a list [v0, ..., v17], got '" << f << "'");
  std::vector<std::string> items;
  std::string inner = f.substr(1, f.size() - 2);
  if (!trim(inner).empty()) {
    std::stringstream ss(inner);
    std::string item;
    while (std::getline(ss, item, ',')) items.push_back(trim(item));
    if (inner.back() == ',') items.emplace_back();
  }
  DPT_CHECK(items.size() == static_cast<size_t>(kCocoJoints),
            what << ": " << items.size() << " values, expected " << kCocoJoints << " (COCO-18)");
  std::array<int, kCocoJoints> out{};
  for (int j = 0; j < kCocoJoints; ++j) {
    const std::string& s = items[j];
    DPT_CHECK(!s.empty(), what << ": value " << j << " (" << kCocoJointNames[j] << ") is empty");
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    const bool plain = s.find_first_not_of("+-0123456789.eE") == std::string::npos;  // no nan/inf/hex
    DPT_CHECK(plain && end == s.c_str() + s.size() && errno == 0 && std::isfinite(v),
              what << ": value " << j << " (" << kCocoJointNames[j] << ") '" << s << "' is not a number");
    DPT_CHECK(v == std::floor(v), what << ": value " << j << " (" << kCocoJointNames[j] << ") " << s
                                       << " is not an integer pixel index");
    DPT_CHECK(std::fabs(v) <= 1e6, what << ": value " << j << " (" << kCocoJointNames[j] << ") " << s
                                        << " is far outside any image");
    out[j] = static_cast<int>(v);
  }
  return out;
}

void check_name(const std::string& name, const std::string& where) {
  DPT_CHECK(!name.empty(), where << ": empty name");
  DPT_CHECK(name[0] != '/' && name.find("..") == std::string::npos,
            where << ": name '" << name << "' must be relative to the split folder, without '..'");
}

}  // namespace

Keypoints Keypoints::all_missing() {
  Keypoints k;
  k.y.fill(kMissingJoint);
  k.x.fill(kMissingJoint);
  return k;
}

const Keypoints* KeypointTable::find(const std::string& name) const {
  auto it = by_stem.find(stem_of(name));
  return it == by_stem.end() ? nullptr : &points[it->second];
}

int KeypointTable::line_of(const std::string& name) const {
  auto it = by_stem.find(stem_of(name));
  return it == by_stem.end() ? 0 : lines[it->second];
}

KeypointTable parse_keypoints_csv(const std::string& text, const std::string& name) {
  KeypointTable t;
  t.path = name;
  size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  int line = 0;
  bool have_header = false;
  while (i < text.size()) {
    ++line;
    size_t eol = text.find('\n', i);
    if (eol == std::string::npos) eol = text.size();
    std::string row = text.substr(i, eol - i);
    i = eol + 1;
    if (!row.empty() && row.back() == '\r') row.pop_back();
    for (char c : row)
      DPT_CHECK(static_cast<unsigned char>(c) >= 0x20 || c == '\t',
                name << ":" << line << ": control character (byte " << int(static_cast<unsigned char>(c))
                     << ") - is this the text annotation CSV?");
    if (trim(row).empty()) continue;
    const std::string where = name + ":" + std::to_string(line);
    if (!have_header) {
      std::string h;
      for (char c : row)
        if (c != ' ' && c != '\t') h += c;
      DPT_CHECK(h == kHeader, where << ": expected the header '" << kHeader << "', got '" << row << "'");
      have_header = true;
      continue;
    }
    std::vector<std::string> fields;
    std::stringstream ss(row);
    std::string f;
    while (std::getline(ss, f, ':')) fields.push_back(f);
    if (row.back() == ':') fields.emplace_back();
    DPT_CHECK(fields.size() == 3, where << ": " << fields.size()
                                        << " ':'-separated fields, expected 3 (name: [y0, ..., y17]: [x0, ..., x17])");
    const std::string n = trim(fields[0]);
    check_name(n, where);
    Keypoints kp;
    kp.y = parse_list(fields[1], where + ": keypoints_y of '" + n + "'");
    kp.x = parse_list(fields[2], where + ": keypoints_x of '" + n + "'");
    const int row_index = static_cast<int>(t.names.size());
    auto ins = t.by_stem.emplace(stem_of(n), row_index);
    DPT_CHECK(ins.second, where << ": '" << n << "' is listed twice (first at line " << t.lines[ins.first->second]
                                << ")");
    t.names.push_back(n);
    t.points.push_back(kp);
    t.lines.push_back(line);
  }
  DPT_CHECK(have_header, name << ": empty annotation file (expected the header '" << kHeader << "')");
  return t;
}

KeypointTable read_keypoints_csv(const std::string& path) {
  DPT_CHECK(file_exists(path), path << ": keypoint annotation file does not exist");
  const std::vector<uint8_t> bytes = read_file_bytes(path, uint64_t(1) << 30);
  return parse_keypoints_csv(std::string(bytes.begin(), bytes.end()), path);
}

void check_keypoint_names(const KeypointTable& table, const std::vector<std::string>& split_names,
                          const std::string& what) {
  std::set<std::string> known;
  for (const std::string& n : split_names) known.insert(stem_of(n));
  std::ostringstream bad;
  int count = 0;
  for (size_t r = 0; r < table.names.size(); ++r) {
    if (known.count(stem_of(table.names[r]))) continue;
    if (count++ < 5) bad << "\n  " << table.path << ":" << table.lines[r] << ": '" << table.names[r] << "'";
  }
  DPT_CHECK(count == 0, table.path << ": " << count << " name(s) not in " << what << (count > 5 ? " (first 5)" : "")
                                   << ":" << bad.str());
}

std::string format_keypoints_row(const std::string& name, const Keypoints& kp) {
  std::ostringstream os;
  auto list = [&](const std::array<int, kCocoJoints>& v) {
    os << "[";
    for (int j = 0; j < kCocoJoints; ++j) os << (j ? ", " : "") << v[j];
    os << "]";
  };
  os << name << ": ";
  list(kp.y);
  os << ": ";
  list(kp.x);
  return os.str();
}

void write_keypoints_csv(const std::string& path, const std::vector<std::string>& names,
                         const std::vector<Keypoints>& points) {
  DPT_CHECK(names.size() == points.size(), "write_keypoints_csv: " << names.size() << " names, " << points.size()
                                                                  << " keypoint rows");
  std::string text = std::string(kHeader) + "\n";
  for (size_t i = 0; i < names.size(); ++i) text += format_keypoints_row(names[i], points[i]) + "\n";
  write_file_atomic(path, text.data(), text.size());
}

Tensor keypoints_to_tensor(const std::vector<Keypoints>& points) {
  std::vector<float> v;
  v.reserve(points.size() * kCocoJoints * 2);
  for (const Keypoints& k : points)
    for (int j = 0; j < kCocoJoints; ++j) v.push_back(static_cast<float>(k.y[j])), v.push_back(static_cast<float>(k.x[j]));
  return Tensor::from_vector(v, {static_cast<int64_t>(points.size()), kCocoJoints, 2});
}

}  // namespace dpt
