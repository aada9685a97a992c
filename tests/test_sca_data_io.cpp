// SCA-GAN data (docs/sca.md section 1): the PATN keypoint CSV reader on valid and malformed files, the SCA
// dataset index and per-pair samples (edges from files or XDoG on the fly, the edge-parameter record),
// dpt-edges on the command line, and dpt-synth's keypoints against its own rendered IUV maps.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/file_io.h"
#include "io/image.h"
#include "io/keypoints.h"
#include "io/sca_dataset.h"
#include "ops/bep2.h"
#include "ops/heatmap.h"
#include "ops/xdog.h"
#include "synth/dataset.h"
#include "synth/keypoints.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

const std::string kHeader = "name:keypoints_y:keypoints_x\n";
const std::string kYs = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, -1]";
const std::string kXs = "[-1, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, -4]";

std::string parse_error(const std::string& text) {
  return error_of([&] { parse_keypoints_csv(text, "ann.csv"); });
}

void write_text(const std::string& path, const std::string& text) { write_file_atomic(path, text.data(), text.size()); }

// A small synthetic dataset (DPT layout + the keypoint CSV) at 64x48.
synth::DatasetOptions small_synth(const std::string& out) {
  synth::DatasetOptions o;
  o.out = out;
  o.persons = 3;
  o.views = 2;
  o.test_persons = 1;
  o.render.height = 64;
  o.render.width = 48;
  o.render.tile = 8;
  o.threads = 1;
  o.writers = 1;
  return o;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  const std::vector<double> x = a.to_vector(), y = b.to_vector();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

}  // namespace

TEST_CASE("sca/keypoints: the PATN annotation CSV") {
  const KeypointTable t = parse_keypoints_csv("\xEF\xBB\xBF" "name: keypoints_y: keypoints_x\r\n"
                                              "fashionA.jpg: " + kYs + ": " + kXs + "\r\n\n" +
                                              "b: " + kYs + ":" + kXs + "\n", "ann.csv");
  REQUIRE(t.names.size() == 2);
  CHECK(t.lines == std::vector<int>{2, 4});
  const Keypoints* a = t.find("fashionA");  // found by stem
  REQUIRE(a != nullptr);
  CHECK(a->y[0] == 1);
  CHECK(a->x[0] == -1);
  CHECK(a->missing(0));   // -1 in x only: missing
  CHECK(a->missing(17));  // -1 in y only
  CHECK(!a->missing(16));
  CHECK(a->x[1] == 20);
  CHECK(t.find("b.png") != nullptr);
  CHECK(t.find("c") == nullptr);
  // Round trip through the writer.
  const std::string row = format_keypoints_row("fashionA.jpg", *a);
  const KeypointTable u = parse_keypoints_csv(kHeader + row + "\n", "rt.csv");
  CHECK(u.points[0].y == a->y);
  CHECK(u.points[0].x == a->x);
  // The tensor layout the ops take: [N, 18, 2] (y, x).
  const Tensor k = keypoints_to_tensor({*a});
  CHECK(k.shape() == Shape{1, 18, 2});
  CHECK(k.to_vector()[2] == 2.0);
  CHECK(k.to_vector()[3] == 20.0);
}

TEST_CASE("sca/keypoints: malformed rows name the file and line") {
  const std::string ok = "a: " + kYs + ": " + kXs + "\n";
  CHECK(contains(parse_error("name,keypoints_y\n" + ok), "ann.csv:1: expected the header"));
  CHECK(contains(parse_error(""), "empty annotation file"));
  CHECK(contains(parse_error(kHeader + ok + "b: [1, 2]: " + kXs + "\n"), "ann.csv:3: keypoints_y of 'b': 2 values, expected 18"));
  CHECK(contains(parse_error(kHeader + "b: " + kYs + ": [1, 2, 3]\n"), "ann.csv:2: keypoints_x of 'b': 3 values"));
  std::string bad = kXs;
  bad.replace(bad.find("20"), 2, "2x");
  CHECK(contains(parse_error(kHeader + "b: " + kYs + ": " + bad + "\n"), "value 1 (neck) '2x' is not a number"));
  bad = kXs;
  bad.replace(bad.find("20"), 2, "nan");
  CHECK(contains(parse_error(kHeader + "b: " + kYs + ": " + bad + "\n"), "is not a number"));
  bad = kXs;
  bad.replace(bad.find("20"), 2, "20.5");
  CHECK(contains(parse_error(kHeader + "b: " + kYs + ": " + bad + "\n"), "20.5 is not an integer pixel index"));
  bad = kXs;
  bad.replace(bad.find("20"), 2, "");
  CHECK(contains(parse_error(kHeader + "b: " + kYs + ": " + bad + "\n"), "value 1 (neck) is empty"));
  CHECK(contains(parse_error(kHeader + "b: " + kYs + "\n"), "ann.csv:2: 2 ':'-separated fields, expected 3"));
  CHECK(contains(parse_error(kHeader + "b: " + kYs + ": " + kXs + ": x\n"), "4 ':'-separated fields"));
  CHECK(contains(parse_error(kHeader + "b: 1, 2: " + kXs + "\n"), "expected a list"));
  CHECK(contains(parse_error(kHeader + ": " + kYs + ": " + kXs + "\n"), "ann.csv:2: empty name"));
  CHECK(contains(parse_error(kHeader + "../x: " + kYs + ": " + kXs + "\n"), "without '..'"));
  CHECK(contains(parse_error(kHeader + ok + "\n" + ok), "ann.csv:4: 'a' is listed twice (first at line 2)"));
  CHECK(contains(parse_error(kHeader + "a.jpg: " + kYs + ": " + kXs + "\n" + ok), "listed twice"));
  // A name that is not in the split.
  const KeypointTable t = parse_keypoints_csv(kHeader + ok + "zz.jpg: " + kYs + ": " + kXs + "\n", "ann.csv");
  CHECK(contains(error_of([&] { check_keypoint_names(t, {"a.jpg", "b.jpg"}, "split 'train'"); }),
                 "1 name(s) not in split 'train'"));
  CHECK(contains(error_of([&] { check_keypoint_names(t, {"a.jpg", "b.jpg"}, "split 'train'"); }), "ann.csv:3: 'zz.jpg'"));
  CHECK(error_of([&] { check_keypoint_names(t, {"a.png", "zz"}, "split"); }).empty());
  CHECK(contains(error_of([] { read_keypoints_csv("/nonexistent/ann.csv"); }), "/nonexistent/ann.csv"));
}

TEST_CASE("sca/dataset: index, samples from XDoG and from files, the edge record") {
  const std::string root = temp_dir("sca_dataset");
  synth::write_dataset(small_synth(root));
  REQUIRE(file_exists(root + "/fasion-resize-annotation-train.csv"));
  CHECK(sca_edge_file_name("fashionMENDenimid0000008001_1front.jpg") == "MENDenimid0000008001_1front.png");
  CHECK(sca_edge_file_name("p0001_v02") == "p0001_v02.png");
  CHECK(contains(error_of([] { parse_edge_source("png"); }), "\"files\""));

  ScaDataOptions xo;
  xo.edges = EdgeSource::Xdog;
  xo.sigma = 3;
  xo.bep_radius = 5;
  ScaDatasetIndex ix = ScaDatasetIndex::load(root, "train", xo);
  CHECK(ix.pairs_path() == root + "/pairs-train.csv");
  CHECK(ix.pairs().size() == 4);  // 2 persons x 2 ordered pairs
  ix.validate();
  CHECK(ix.height() == 64);
  CHECK(ix.width() == 48);
  const ScaSample s = make_sca_sample(ix, 0);
  CHECK(s.P1.shape() == Shape{3, 64, 48});
  CHECK(s.EP1.shape() == Shape{1, 64, 48});
  CHECK(s.BP2.shape() == Shape{18, 64, 48});
  CHECK(s.BEP2.shape() == Shape{18, 64, 48});
  // Each piece is what its op gives for the files' data.
  const ScaItem& a = ix.items()[ix.pairs()[0].first];
  const ScaItem& b = ix.items()[ix.pairs()[0].second];
  CHECK(max_abs_diff(s.P1, image_to_tensor(read_image(a.image))) == 0.0);
  const Tensor e1 = xdog(image_bytes_tensor(a.image)).edge;
  CHECK(max_abs_diff(s.E1, e1.reshape({1, 64, 48})) == 0.0);
  CHECK(max_abs_diff(s.EP1, edge_bytes_to_network(e1).reshape({1, 64, 48})) == 0.0);
  const Tensor k1 = keypoints_to_tensor({a.kp}), k2 = keypoints_to_tensor({b.kp});
  CHECK(max_abs_diff(s.BP2, keypoint_heatmaps(k2, 64, 48, 3).reshape({18, 64, 48})) == 0.0);
  CHECK(max_abs_diff(s.BEP2, bep2(e1, k1, k2, {3, 5, 0.1}).reshape({18, 64, 48})) == 0.0);
  const ScaSampleBatch batch = make_sca_batch(ix, {0, 3});
  CHECK(batch.BEP2.shape() == Shape{2, 18, 64, 48});
  CHECK(batch.kp2.shape() == Shape{2, 18, 2});
  CHECK(batch.names.size() == 2);

  // Edges from files: missing files are reported before training.
  ScaDataOptions fo = xo;
  fo.edges = EdgeSource::Files;
  ScaDatasetIndex fx = ScaDatasetIndex::load(root, "train", fo);
  CHECK(!fx.edge_record_found());
  CHECK(contains(error_of([&] { fx.validate(); }), "missing edge map"));
  // dpt-edges writes them (CLI round trip) with the record; the samples then match the on-the-fly ones.
  const std::string tool = tool_path("dpt-edges");
  CommandResult r = run_command(tool + " --root " + root + " --split train --split test --quiet");
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(contains(r.out, "6 images, 0 up to date, 6 to compute"));
  CHECK(file_exists(root + "/trainE/diff/xdog.json"));
  fx = ScaDatasetIndex::load(root, "train", fo);
  CHECK(fx.edge_record_found());
  fx.validate();
  const ScaSample sf = make_sca_sample(fx, 0);
  CHECK(max_abs_diff(sf.EP1, s.EP1) == 0.0);
  CHECK(max_abs_diff(sf.BEP2, s.BEP2) == 0.0);
  // A second run skips everything; other parameters are refused, naming both sets.
  r = run_command(tool + " --root " + root + " --split train --split test --quiet");
  CHECK(r.code == 0);
  CHECK(contains(r.out, "6 up to date, 0 to compute"));
  r = run_command(tool + " --root " + root + " --split train --sigma 1.0 --quiet");
  CHECK(r.code == 1);
  CHECK_MESSAGE(contains(r.err, "sigma 0.8, k 1.6, gamma 0.98, phi 200, eps -0.1"), r.err);
  CHECK(contains(r.err, "sigma 1, k 1.6"));
  ScaDataOptions other = fo;
  other.xdog.sigma = 1.0;
  CHECK(contains(error_of([&] { ScaDatasetIndex::load(root, "train", other); }), "were made with XDoG sigma 0.8"));
  // --force recomputes and replaces the record; the old parameters are then the stale ones.
  r = run_command(tool + " --root " + root + " --split train --split test --sigma 1.0 --force --quiet");
  CHECK(r.code == 0);
  CHECK(contains(r.out, "6 to compute"));
  CHECK(error_of([&] { ScaDatasetIndex::load(root, "train", other); }).empty());
  CHECK(contains(error_of([&] { ScaDatasetIndex::load(root, "train", fo); }), "sigma 1, k 1.6"));
  // PNGs without a record: unknown provenance, refused without --force.
  std::filesystem::remove(root + "/trainE/diff/xdog.json");
  r = run_command(tool + " --root " + root + " --split train --quiet");
  CHECK(r.code == 1);
  CHECK(contains(r.err, "but no"));
  // Usage errors exit 2; --help exits 0.
  CHECK(run_command(tool + " --root " + root).code == 2);
  CHECK(run_command(tool + " --root " + root + " --split train --sigma x").code == 2);
  CHECK(run_command(tool + " --help").code == 0);
}

TEST_CASE("sca/dataset: names missing from the annotation or the split") {
  const std::string root = temp_dir("sca_dataset_bad");
  synth::write_dataset(small_synth(root));
  ScaDataOptions xo;
  xo.edges = EdgeSource::Xdog;
  const std::string ann = root + "/fasion-resize-annotation-train.csv";
  const std::vector<uint8_t> bytes = read_file_bytes(ann);
  const std::string good(bytes.begin(), bytes.end());
  // An annotation row for an image that is not in the split folder.
  write_text(ann, good + "p0099_v00: " + kYs + ": " + kXs + "\n");
  std::string e = error_of([&] { ScaDatasetIndex::load(root, "train", xo); });
  CHECK(contains(e, "not in split 'train'"));
  CHECK(contains(e, ann + ":6: 'p0099_v00'"));
  // A pair whose source has no keypoints.
  std::string lines = good.substr(0, good.find("p0001_v00"));
  write_text(ann, lines);
  e = error_of([&] { ScaDatasetIndex::load(root, "train", xo); });
  CHECK(contains(e, "no keypoints for"));
  CHECK(contains(e, root + "/pairs-train.csv:"));
  // No annotation at all.
  std::filesystem::remove(ann);
  CHECK(contains(error_of([&] { ScaDatasetIndex::load(root, "train", xo); }), "fasion-resize-annotation-train.csv"));
}

TEST_CASE("synth/keypoints lie on their body parts in the rendered IUV") {
  synth::DatasetOptions o = small_synth("");
  o.render.height = 128;
  o.render.width = 96;
  o.views = 4;
  o.hair_skirt = 0.5f;
  int visible = 0, total = 0, hidden_nose = 0, seen_nose = 0;
  for (int id = 0; id < 12; ++id) {
    const synth::PersonViews pv = synth::render_person(o, id);
    for (size_t v = 0; v < pv.frames.size(); ++v) {
      const synth::Frame& f = pv.frames[v];
      const Keypoints& kp = pv.keypoints[v];
      for (int j = 0; j < kCocoJoints; ++j) {
        ++total;
        if (kp.missing(j)) {
          hidden_nose += j == 0;
          continue;
        }
        seen_nose += j == 0;
        ++visible;
        const bool inside = kp.y[j] >= 0 && kp.y[j] < f.height && kp.x[j] >= 0 && kp.x[j] < f.width;
        REQUIRE_MESSAGE(inside, "person " << id << " view " << v << " joint " << kCocoJointNames[j] << " at ("
                                          << kp.y[j] << ", " << kp.x[j] << ") outside the frame");
        // On one of its parts, at its pixel or within one pixel of it.
        const std::vector<int>& own = synth::coco_joint_parts(j);
        bool on_part = false;
        for (int dr = -1; dr <= 1 && !on_part; ++dr)
          for (int dc = -1; dc <= 1 && !on_part; ++dc) {
            const int r = kp.y[j] + dr, c = kp.x[j] + dc;
            if (r < 0 || c < 0 || r >= f.height || c >= f.width) continue;
            const int part = f.iuv[(static_cast<size_t>(r) * f.width + c) * 3];
            on_part = std::find(own.begin(), own.end(), part) != own.end();
          }
        CHECK_MESSAGE(on_part, "person " << id << " view " << v << ": " << kCocoJointNames[j] << " at (" << kp.y[j]
                                         << ", " << kp.x[j] << ") is not on its parts in the IUV map");
      }
    }
  }
  // Most joints are visible; back views hide the nose, front views show it.
  CHECK(visible > total * 6 / 10);
  CHECK(hidden_nose > 0);
  CHECK(seen_nose > 0);
}

TEST_CASE("synth/keypoints outside the frame keep their coordinates") {
  synth::DatasetOptions o = small_synth("");
  const synth::Person person = synth::make_person(0, 1, 0);
  synth::Pose pose = synth::make_pose(person.seed, 0);  // a front view
  pose.dx = 0.45f;  // the person's left half leaves the frame on the right
  const Keypoints kp = synth::view_keypoints(person, pose, o.render);
  int outside = 0;
  for (int j = 0; j < kCocoJoints; ++j)
    if (!kp.missing(j) && kp.x[j] >= o.render.width) ++outside;
  CHECK(outside >= 2);
}
