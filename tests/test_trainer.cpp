// The staged trainer: exact resume (Note [resume] in train/trainer.cpp), NaN stop, dataset validation,
// options parsing.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <limits>

#include "core/rng.h"
#include "core/threading.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/iuv.h"
#include "io/safetensors.h"
#include "train/folder_data.h"
#include "train/trainer.h"
#include "tests/test_util.h"

using namespace dpt;

namespace {
std::string temp_dir(const std::string& tag) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "/tmp/dpt_test_%s_%d", tag.c_str(), static_cast<int>(getpid()));
  std::string cmd = std::string("rm -rf ") + buf + " && mkdir -p " + buf;
  REQUIRE(std::system(cmd.c_str()) == 0);
  return buf;
}

// A tiny dataset in the section-7 layout: 2 persons x 3 views of random pictures with valid IUV maps.
std::string make_dataset(const std::string& root, int H, int W) {
  REQUIRE(std::system(("mkdir -p " + root + "/train " + root + "/train_iuv").c_str()) == 0);
  std::ofstream pairs(root + "/pairs-train.csv"), persons(root + "/persons-train.csv");
  pairs << "from,to\n";
  persons << "name,person\n";
  Generator gen(3);
  for (int p = 0; p < 2; ++p)
    for (int v = 0; v < 3; ++v) {
      std::string name = "p" + std::to_string(p) + "_v" + std::to_string(v);
      Image8 img{H, W, 3, std::vector<uint8_t>(static_cast<size_t>(H) * W * 3)};
      for (auto& b : img.pixels) b = static_cast<uint8_t>(gen.next_u64() % 256);
      write_png(root + "/train/" + name + ".png", img);
      Tensor iuv = Tensor::zeros({3, H, W});
      float* d = iuv.data<float>();
      for (int i = 0; i < H * W; ++i) {
        bool fg = (i % W) > W / 4 && (i % W) < 3 * W / 4;
        d[i] = fg ? static_cast<float>(1 + gen.next_u64() % 24) : 0.f;
        d[H * W + i] = fg ? static_cast<float>(gen.next_u64() % 256) / 255.f : 0.f;
        d[2 * H * W + i] = fg ? static_cast<float>(gen.next_u64() % 256) / 255.f : 0.f;
      }
      write_iuv(root + "/train_iuv/" + name + ".png", iuv);
      persons << name << ",person" << p << "\n";
      for (int w = 0; w < 3; ++w)
        if (w != v) pairs << name << ",p" << p << "_v" << w << "\n";
    }
  return root;
}

// The loader options for make_dataset's 32x32 pictures, batch 2.
FolderDataOptions folder_options(const std::string& data) {
  FolderDataOptions fo;
  fo.root = data;
  fo.H = fo.W = 32;
  fo.batch = 2;
  return fo;
}

TrainOptions tiny_options(const std::string& data, const std::string& out) {
  TrainOptions o = load_train_options(preset_path("tiny"));
  o.data = data;
  o.out = out;
  o.vgg = "";  // perceptual terms off: keeps the test fast (the losses have their own golden tests)
  o.checkpoint_every = 100;
  o.sample_every = 100;
  return o;
}

std::vector<double> weights_of(const std::string& path) {
  std::vector<double> all;
  SafetensorsFile f = SafetensorsFile::read(path);
  for (const auto& n : f.names()) {
    auto v = f.tensor(n).to_vector();
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}
// A data source whose batch `bad_step` has a NaN in the target image (as a corrupt decode could give).
class PoisonedData : public DataSource {
 public:
  PoisonedData(DataSource& inner, int64_t bad_step) : inner_(inner), bad_step_(bad_step) {}
  int64_t num_pairs() const override { return inner_.num_pairs(); }
  int64_t num_persons() const override { return inner_.num_persons(); }
  PairBatch pair_batch(uint64_t salt, int64_t step) override {
    PairBatch b = inner_.pair_batch(salt, step);
    if (step == bad_step_) b.y.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
    return b;
  }
  ViewBatch view_batch(uint64_t salt, int64_t step) override { return inner_.view_batch(salt, step); }

 private:
  DataSource& inner_;
  int64_t bad_step_;
};
}  // namespace

TEST_CASE("train/2N steps equal N steps + resume + N steps, bit for bit") {
  set_num_threads(2);
  const std::string dir = temp_dir("resume");
  const std::string data = make_dataset(dir + "/data", 32, 32);
  FolderDataOptions fo = folder_options(data);
  for (const char* stages : {"predictive", "blending"}) {
    CAPTURE(stages);
    TrainOptions a = tiny_options(data, dir + "/a"), b = tiny_options(data, dir + "/b");
    a.stages = b.stages = stages;
    a.predictive_steps = a.blending_steps = 4;
    b.predictive_steps = b.blending_steps = 2;
    FolderData da(fo), db(fo);
    train(a, da, "");
    train(b, db, "");
    const std::string mid = latest_checkpoint(b.out);
    REQUIRE(mid.find("-0000002") != std::string::npos);
    b.predictive_steps = b.blending_steps = 4;
    FolderData dc(fo);
    train(b, dc, mid);
    CHECK(weights_of(a.out + "/model.safetensors") == weights_of(b.out + "/model.safetensors"));
    // and the run folder has what a user expects
    struct stat st;
    CHECK(stat((a.out + "/losses.jsonl").c_str(), &st) == 0);
    CHECK(stat((a.out + "/plots/" + std::string(stages) + ".svg").c_str(), &st) == 0);
  }
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("train/a dataset with missing or mismatched files is reported before training") {
  const std::string dir = temp_dir("baddata");
  const std::string data = make_dataset(dir + "/data", 32, 32);
  std::remove((data + "/train_iuv/p1_v2.png").c_str());
  FolderDataOptions fo;
  fo.root = data;
  fo.H = fo.W = 32;
  CHECK_THROWS_WITH_AS(FolderData{fo}, doctest::Contains("p1_v2"), Error);
  fo.H = 64;
  std::system(("touch " + data + "/train_iuv/p1_v2.png").c_str());
  CHECK_THROWS_WITH_AS(FolderData{fo}, doctest::Contains("64"), Error);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("train/a non-finite loss stops the run and keeps the last checkpoint") {
  const std::string dir = temp_dir("nan");
  const std::string data = make_dataset(dir + "/data", 32, 32);
  FolderDataOptions fo = folder_options(data);
  TrainOptions o = tiny_options(data, dir + "/run");
  o.stages = "predictive";
  o.predictive_steps = 6;
  o.checkpoint_every = 1;
  FolderData folder(fo);
  PoisonedData d(folder, 1);
  CHECK_THROWS_WITH_AS(train(o, d, ""), doctest::Contains("non-finite loss in stage predictive at step 2"), Error);
  const std::string last = latest_checkpoint(o.out);
  CHECK(last.find("predictive-0000001") != std::string::npos);
  CHECK(weights_of(last).size() > 0);  // complete and readable
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("train/a stop request (Ctrl-C) saves a checkpoint to resume from") {
  const std::string dir = temp_dir("stop");
  const std::string data = make_dataset(dir + "/data", 32, 32);
  FolderDataOptions fo = folder_options(data);
  TrainOptions o = tiny_options(data, dir + "/run");
  o.stages = "predictive";
  o.predictive_steps = 5;
  std::atomic<bool> stop{true};
  FolderData d(fo);
  TrainResult r = train(o, d, "", &stop);
  CHECK(r.interrupted);
  CHECK(r.steps_run == 1);
  CHECK(latest_checkpoint(o.out).find("predictive-0000001") != std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("train/--init takes weights with other settings; --resume names what differs") {
  const std::string dir = temp_dir("init");
  const std::string data = make_dataset(dir + "/data", 32, 32);
  FolderDataOptions fo = folder_options(data);
  TrainOptions a = tiny_options(data, dir + "/a");
  a.stages = "predictive";
  a.predictive_steps = 2;
  FolderData da(fo);
  train(a, da, "");
  const std::string weights = a.out + "/model.safetensors";

  TrainOptions b = tiny_options(data, dir + "/b");
  b.stages = "predictive";
  b.predictive_steps = 1;
  b.model.lambda_l1 = 2.0;
  b.model.lr = 0;  // Adam with lr 0 leaves the weights as loaded
  FolderData db(fo);
  CHECK_THROWS_WITH_AS(train(b, db, latest_checkpoint(a.out)), doctest::Contains("lambda_l1 1.0 -> 2.0"), Error);
  b.init = weights;
  train(b, db, "");
  CHECK(weights_of(b.out + "/model.safetensors") == weights_of(weights));

  TrainOptions c = tiny_options(data, dir + "/c");
  c.model.ngf = 6;
  c.init = weights;
  FolderData dc(fo);
  CHECK_THROWS_WITH_AS(train(c, dc, ""), doctest::Contains("ngf 8 -> 6"), Error);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("train/options: presets, overrides and errors") {
  TrainOptions o = load_train_options(preset_path("paper"));
  CHECK(o.model.H == 256);
  CHECK(o.model.S == 256);
  o.set("lambda_gan=0.25");
  CHECK(o.model.lambda_gan == 0.25);
  o.set("stages=predictive,blending");
  CHECK(o.stage_list() == std::vector<std::string>{"predictive", "blending"});
  CHECK_THROWS_WITH_AS(o.set("no_such_key=1"), doctest::Contains("unknown option"), Error);
  CHECK_THROWS_WITH_AS(preset_path("nope"), doctest::Contains("unknown preset"), Error);
  o.stages = "predictve";
  CHECK_THROWS_AS(o.stage_list(), Error);
}
