// COCO-18 body keypoints and the PATN annotation CSV (docs/sca.md section 1): header
// `name:keypoints_y:keypoints_x`, rows `<name>: [y0, ..., y17]: [x0, ..., x17]` (y first), -1 = missing.
// Every malformed row is an error naming the file and line.
#pragma once
#include <array>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dpt {

constexpr int kCocoJoints = 18;
// COCO-18 (OpenPose) order: nose, neck, Rsho, Relb, Rwri, Lsho, Lelb, Lwri, Rhip, Rkne, Rank, Lhip, Lkne,
// Lank, Leye, Reye, Lear, Rear ("R" / "L" are the person's own sides).
extern const char* const kCocoJointNames[kCocoJoints];
constexpr int kMissingJoint = -1;

// One person's joints as (row y, column x) pixel indices in the image frame; Note [keypoint convention]
// in ops/heatmap_math.h: -1 in either coordinate is missing, any other value outside the frame is a real
// joint outside the image.
struct Keypoints {
  std::array<int, kCocoJoints> y{}, x{};
  bool missing(int j) const { return y[j] == kMissingJoint || x[j] == kMissingJoint; }
  static Keypoints all_missing();
};

struct KeypointTable {
  std::string path;                 // for messages
  std::vector<std::string> names;   // in file order
  std::vector<Keypoints> points;    // parallel to names
  std::vector<int> lines;           // 1-based line of each row
  // The row of a name, matched exactly or by image stem ("a.jpg" finds "a" and the reverse); nullptr when
  // absent.
  const Keypoints* find(const std::string& name) const;
  int line_of(const std::string& name) const;  // 0 when absent
  std::map<std::string, int> by_stem;           // image stem -> row
};

// Parses the annotation CSV. Errors (file:line): a wrong header; a row without exactly 3 ':'-separated
// fields; a list that is not [...] of 18 integers (non-numbers, fractions, empty entries, out of int
// range); an empty or unsafe name ('/'-absolute or with '..'); a name listed twice (both lines named).
// Blank lines are skipped; CRLF and a UTF-8 BOM are accepted.
KeypointTable read_keypoints_csv(const std::string& path);
KeypointTable parse_keypoints_csv(const std::string& text, const std::string& name);

// Every name of the table must be one of `split_names` (compared by image stem): an error naming the file,
// the line and the split of the first offenders otherwise. `what` describes the split ("split 'train'
// (images in ROOT/train)").
void check_keypoint_names(const KeypointTable& table, const std::vector<std::string>& split_names,
                          const std::string& what);

// The CSV text: header and one row per name, e.g. "p0001_v00: [12, 30, ...]: [40, 41, ...]".
std::string format_keypoints_row(const std::string& name, const Keypoints& kp);
void write_keypoints_csv(const std::string& path, const std::vector<std::string>& names,
                         const std::vector<Keypoints>& points);

// [N, 18, 2] float32 (y, x) per joint, the layout ops/heatmap.h and ops/bep2.h take.
Tensor keypoints_to_tensor(const std::vector<Keypoints>& points);

}  // namespace dpt
