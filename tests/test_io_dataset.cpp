// Tests of the dataset index, CSV files, sampling and the threaded loader on a tiny generated dataset:
// validation reports offenders, batches hold the right files, and batch i depends only on (seed, i).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <set>

#include "core/error.h"
#include "io/csv.h"
#include "io/dataset.h"
#include "io/dataset_loader.h"
#include "io/dataset_sampling.h"
#include "io/image.h"
#include "io/iuv.h"
#include "test_io_util.h"

using namespace dpt;

namespace {

constexpr int kH = 16, kW = 8;

// Sample `id`: a flat image of byte (10 + id) and an IUV map with I = id % 24 + 1, U = id/255, V = 0.5.
void write_sample(const std::string& root, const std::string& split, const std::string& name, int id) {
  Image8 img;
  img.height = kH;
  img.width = kW;
  img.channels = 3;
  img.pixels.assign(kH * kW * 3, uint8_t(10 + id));
  write_png(root + "/" + split + "/" + name + ".png", img);
  Tensor iuv = Tensor::empty({3, kH, kW});
  float* p = iuv.data<float>();
  for (int i = 0; i < kH * kW; ++i) {
    p[i] = float(id % 24 + 1);
    p[kH * kW + i] = float(id / 255.0);
    p[2 * kH * kW + i] = 0.5f;
  }
  write_iuv(root + "/" + split + "_iuv/" + name + ".png", iuv);
}

// persons p0..p(P-1) with `views` views each; pairs: every ordered pair of views of a person.
std::string make_dataset(const std::string& tag, int persons, int views) {
  const std::string root = test::scratch_dir() + "/ds_" + tag;
  (void)std::system(("rm -rf " + root + " && mkdir -p " + root + "/train " + root + "/train_iuv").c_str());
  std::string persons_csv = "name,person\n", pairs_csv = "from,to\n";
  int id = 0;
  for (int p = 0; p < persons; ++p) {
    for (int v = 0; v < views; ++v, ++id) {
      const std::string name = "p" + std::to_string(p) + "_v" + std::to_string(v);
      write_sample(root, "train", name, id);
      persons_csv += name + ",person" + std::to_string(p) + "\n";
      for (int w = 0; w < views; ++w)
        if (w != v) pairs_csv += name + ",p" + std::to_string(p) + "_v" + std::to_string(w) + "\n";
    }
  }
  test::write_bytes(root + "/persons-train.csv", std::vector<uint8_t>(persons_csv.begin(), persons_csv.end()));
  test::write_bytes(root + "/pairs-train.csv", std::vector<uint8_t>(pairs_csv.begin(), pairs_csv.end()));
  return root;
}

// The sample id encoded in a decoded image value x = (10 + id)/127.5 - 1.
int id_of_image(float x) { return int(std::lround((x + 1.0) * 127.5)) - 10; }

bool same(const Tensor& a, const Tensor& b) { return a.to_vector() == b.to_vector(); }

}  // namespace

TEST_CASE("io/csv/parsing") {
  CsvTable t = parse_csv(
      "\xEF\xBB\xBF"
      "from,to\r\n\"a,1.jpg\",b.jpg\r\n\r\n\"say \"\"hi\"\"\",c\n",
      "x.csv", {"from", "to"});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0][0] == "a,1.jpg");
  CHECK(t.rows[1][0] == "say \"hi\"");
  CHECK(t.row_lines == std::vector<int>{2, 4});
  CHECK(parse_csv("a,b\n1,2", "x").rows.size() == 1);  // no final newline
  CHECK_THROWS_WITH_AS(parse_csv("from,to\na,b,c\n", "x.csv"), doctest::Contains("x.csv:2: 3 fields, the header has 2"),
                       dpt::Error);
  CHECK_THROWS_WITH_AS(parse_csv("source,target\n", "x.csv", {"from", "to"}),
                       doctest::Contains("x.csv:1: expected the header 'from,to', got 'source,target'"), dpt::Error);
  CHECK_THROWS_WITH_AS(parse_csv("a,b\n\"x,y\n", "x.csv"), doctest::Contains("x.csv:2: unterminated quoted field"),
                       dpt::Error);
  CHECK_THROWS_WITH_AS(parse_csv(std::string("a,b\nx\0,y\n", 9), "x.csv"), doctest::Contains("control character"),
                       dpt::Error);
  CHECK_THROWS_WITH_AS(parse_csv("\n\n", "x.csv", {"from", "to"}), doctest::Contains("empty CSV file"), dpt::Error);
}

TEST_CASE("io/dataset/DeepFashion person ids") {
  CHECK(deepfashion_person("fashionWOMENDressesid0000262902_3back.jpg") == "fashionWOMENDressesid00002629");
  CHECK(deepfashion_person("fashionMENShirts_Polosid0000180202_4full.jpg") == "fashionMENShirts_Polosid00001802");
  CHECK(deepfashion_person("WOMEN#Dresses#id_00001674#02_3_back.jpg") == "WOMEN#Dresses#id_00001674");
  CHECK(deepfashion_person("p0001_v02") == "");
  CHECK(deepfashion_person("id123") == "");
}

TEST_CASE("io/dataset/index loads, resolves and validates") {
  const std::string root = make_dataset("ok", 3, 3);
  DatasetIndex ix = DatasetIndex::load(root, "train");
  CHECK(ix.samples().size() == 9);
  CHECK(ix.pairs().size() == 18);
  CHECK(ix.person_names() == std::vector<std::string>{"person0", "person1", "person2"});
  CHECK(ix.person_views()[1] == std::vector<int>{3, 4, 5});
  CHECK(ix.samples()[4].image == root + "/train/p1_v1.png");  // found by trying the extensions
  CHECK(ix.samples()[4].iuv == root + "/train_iuv/p1_v1.png");
  CHECK(!ix.validated());
  ix.validate(0, 0, false, IUVOrder::BGR, 2);
  CHECK(ix.height() == kH);
  CHECK(ix.width() == kW);
  ix.validate(kH, kW, /*decode_all=*/true);
  CHECK_THROWS_WITH_AS(ix.validate(kH * 2, kW, false, IUVOrder::BGR, 0, 3),
                       doctest::Contains("9 of 9 samples have problems (first ones shown)"), dpt::Error);
  CHECK_THROWS_WITH_AS(DatasetIndex::load(root, "test"), doctest::Contains("pairs-test.csv"), dpt::Error);
}

TEST_CASE("io/dataset/validate reports the first offenders") {
  const std::string root = make_dataset("bad", 2, 3);
  (void)std::system(("rm " + root + "/train/p0_v1.png").c_str());
  test::write_bytes(root + "/train_iuv/p1_v0.png", {'n', 'o', 'p', 'e'});
  Image8 big;
  big.height = kH;
  big.width = kW * 2;
  big.channels = 3;
  big.pixels.assign(size_t(kH) * kW * 2 * 3, 0);
  write_png(root + "/train/p1_v2.png", big);
  DatasetIndex ix = DatasetIndex::load(root, "train");
  std::string err;
  try {
    ix.validate();
  } catch (const dpt::Error& e) {
    err = e.what();
  }
  CAPTURE(err);
  CHECK(err.find("3 of 6 samples have problems") != std::string::npos);
  CHECK(err.find("p0_v1.jpg: missing image") != std::string::npos);
  CHECK(err.find("train_iuv/p1_v0.png: not a PNG file") != std::string::npos);
  CHECK(err.find("IUV map " + root + "/train_iuv/p1_v2.png is 16x8 (HxW) but its image " + root +
                 "/train/p1_v2.png is 16x16") != std::string::npos);
  CHECK(!ix.validated());
}

TEST_CASE("io/dataset/persons come from the names without persons.csv") {
  const std::string root = test::scratch_dir() + "/ds_df";
  (void)std::system(("rm -rf " + root + " && mkdir -p " + root + "/train " + root + "/train_iuv").c_str());
  const char* names[] = {"fashionWOMENDressesid0000262902_1front", "fashionWOMENDressesid0000262902_3back",
                         "fashionMENShirtsid0000180202_4full", "fashionMENShirtsid0000180201_1front"};
  for (int i = 0; i < 4; ++i) write_sample(root, "train", names[i], i);
  const std::string pairs =
      std::string("from,to\n") + names[0] + ".jpg," + names[1] + ".jpg\n" + names[2] + ".jpg," + names[3] + ".jpg\n";
  test::write_bytes(root + "/pairs-train.csv", std::vector<uint8_t>(pairs.begin(), pairs.end()));
  DatasetIndex ix = DatasetIndex::load(root, "train");
  CHECK(ix.person_names() == std::vector<std::string>{"fashionWOMENDressesid00002629", "fashionMENShirtsid00001802"});
  CHECK(ix.samples()[0].image == root + "/train/" + names[0] + ".png");  // listed as .jpg, found as .png
  CHECK(ix.samples()[0].iuv == root + "/train_iuv/" + names[0] + ".png");
  ix.validate();
  CHECK(ix.multi_view_persons() == std::vector<int>{0, 1});
}

TEST_CASE("io/dataset/sampling is a pure function of seed and position") {
  ItemStream a(10, 7, true), b(10, 7, true), c(10, 8, true), plain(10, 7, false);
  std::set<int64_t> epoch0, epoch3;
  bool differs = false;
  for (int64_t k = 0; k < 10; ++k) {
    epoch0.insert(a.item(k));
    epoch3.insert(a.item(30 + k));
    differs |= a.item(k) != c.item(k);
    CHECK(plain.item(20 + k) == k);
  }
  CHECK(epoch0.size() == 10);  // each epoch is a permutation
  CHECK(epoch3.size() == 10);
  CHECK(differs);
  for (int64_t k : {35, 2, 99, 0, 17}) CHECK(a.item(k) == b.item(k));  // any access order
  CHECK(pick_views({4, 5, 6, 7}, 3, 1, 9) == pick_views({4, 5, 6, 7}, 3, 1, 9));
  std::vector<int> v = pick_views({4, 5, 6, 7}, 4, 1, 9);
  CHECK(std::set<int>(v.begin(), v.end()).size() == 4);  // distinct while they last
  v = pick_views({1, 2}, 5, 3, 0);
  CHECK(v.size() == 5);
  CHECK(std::set<int>(v.begin(), v.begin() + 2).size() == 2);
}

TEST_CASE("io/dataset/pair batches hold the right files, deterministically") {
  DatasetIndex ix = DatasetIndex::load(make_dataset("pairs", 3, 3), "train");
  ix.validate();
  LoaderOptions opt;
  opt.batch_size = 3;
  opt.seed = 11;
  Batch b0 = make_batch(ix, opt, 0);
  REQUIRE(b0.x_s.shape() == Shape{3, 3, kH, kW});
  CHECK(b0.iuv_t.shape() == Shape{3, 3, kH, kW});
  for (int n = 0; n < 3; ++n) {
    const int src = id_of_image(b0.x_s.data<float>()[n * 3 * kH * kW]);
    const int dst = id_of_image(b0.y.data<float>()[n * 3 * kH * kW]);
    CHECK(src / 3 == dst / 3);  // same person
    CHECK(src != dst);
    CHECK(b0.iuv_s.data<float>()[n * 3 * kH * kW] == float(src % 24 + 1));
    CHECK(b0.iuv_t.data<float>()[n * 3 * kH * kW] == float(dst % 24 + 1));
    CHECK(b0.iuv_t.data<float>()[n * 3 * kH * kW + kH * kW] == float(dst / 255.0));
    CHECK(b0.names[n] == ix.samples()[src].name + ">" + ix.samples()[dst].name);
  }
  // One epoch (18 pairs / 3) visits every pair once.
  std::set<std::string> seen;
  for (int64_t i = 0; i < 6; ++i)
    for (const std::string& s : make_batch(ix, opt, i).names) seen.insert(s);
  CHECK(seen.size() == 18);

  // Threads, prefetch depth and the resume point do not change any batch.
  std::vector<Batch> ref;
  for (int64_t i = 0; i < 9; ++i) ref.push_back(make_batch(ix, opt, i));
  for (int workers : {0, 1, 3}) {
    CAPTURE(workers);
    LoaderOptions o = opt;
    o.workers = workers;
    o.prefetch = workers == 3 ? 5 : 1;
    DataLoader loader(ix, o);
    CHECK(loader.batches_per_epoch() == 6);
    for (int64_t i = 0; i < 9; ++i) {
      Batch b = loader.next();
      CHECK(b.index == i);
      CHECK(b.names == ref[i].names);
      CHECK(same(b.x_s, ref[i].x_s));
      CHECK(same(b.iuv_t, ref[i].iuv_t));
    }
  }
  LoaderOptions resume = opt;
  resume.first_batch = 7;
  DataLoader loader(ix, resume);
  CHECK(loader.next().names == ref[7].names);
  CHECK(loader.next().names == ref[8].names);
  LoaderOptions other = opt;
  other.seed = 12;
  bool differs = false;
  for (int64_t i = 0; i < 3; ++i) differs |= make_batch(ix, other, i).names != ref[i].names;
  CHECK(differs);
}

TEST_CASE("io/dataset/view batches: K views of one person") {
  DatasetIndex ix = DatasetIndex::load(make_dataset("views", 4, 3), "train");
  ix.validate();
  LoaderOptions opt;
  opt.kind = BatchKind::Views;
  opt.batch_size = 2;
  opt.views = 3;
  opt.workers = 2;
  DataLoader loader(ix, opt);
  CHECK(loader.batches_per_epoch() == 2);
  std::set<int> persons;
  for (int64_t i = 0; i < 2; ++i) {
    Batch b = loader.next();
    REQUIRE(b.x_views.shape() == Shape{2, 3, 3, kH, kW});
    CHECK(b.iuv_views.shape() == Shape{2, 3, 3, kH, kW});
    CHECK(!b.x_s.defined());
    for (int n = 0; n < 2; ++n) {
      std::set<int> ids;
      for (int v = 0; v < 3; ++v) ids.insert(id_of_image(b.x_views.data<float>()[(n * 3 + v) * 3 * kH * kW]));
      CHECK(ids.size() == 3);                        // three distinct views
      CHECK(*ids.begin() / 3 == *ids.rbegin() / 3);  // of one person
      persons.insert(*ids.begin() / 3);
    }
    CHECK(same(b.x_views, make_batch(ix, opt, i).x_views));
  }
  CHECK(persons.size() == 4);  // one epoch covers every person
}

TEST_CASE("io/dataset/a file broken after validation fails its batch, naming the file") {
  const std::string root = make_dataset("broken", 1, 2);
  DatasetIndex ix = DatasetIndex::load(root, "train");
  ix.validate();
  test::write_bytes(root + "/train/p0_v1.png", {'x'});
  LoaderOptions opt;
  opt.batch_size = 1;
  opt.shuffle = false;  // batch 0 = pair (v0 -> v1), batch 1 = (v1 -> v0): both touch the file
  opt.workers = 2;
  DataLoader loader(ix, opt);
  CHECK_THROWS_WITH_AS(loader.next(), doctest::Contains("p0_v1.png: not a PNG file"), dpt::Error);
  CHECK_ERROR(loader.next(), "p0_v1.png: not a PNG file");  // the other batch that reads it
  DatasetIndex unvalidated = DatasetIndex::load(root, "train");
  CHECK_THROWS_WITH_AS(DataLoader(unvalidated, opt), doctest::Contains("validate()"), dpt::Error);
}
