// The generic trainer with the DPT family: exact resume (Note [resume] in train/trainer.cpp) and what a
// resume must match, NaN stop, dataset validation, stage names, options parsing and bad values.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>

#include "core/rng.h"
#include "core/threading.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/iuv.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "train/dpt_family.h"
#include "train/folder_data.h"
#include "train/run_folder.h"
#include "train/trainer.h"
#include "tests/test_util.h"

using namespace dpt;

namespace {
using test::contains;
using test::error_of;
using test::temp_dir;  // a fresh folder per test under the process's scratch folder

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
      write_png(root + "/train/" + name + ".png", test::random_image(H, W, static_cast<uint32_t>(10 * p + v)));
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
// Trains the DPT family on `data`.
TrainResult train_dpt(const TrainOptions& o, DptDataSource& data, const std::string& resume = "",
                      const std::atomic<bool>* stop = nullptr) {
  DptFamily family(o, data);
  return train(o, family, resume, stop);
}

// The newest checkpoint of a DPT run folder.
std::string latest_checkpoint(const std::string& out) {
  return RunFolder::open(out, DptFamily::stage_names()).latest_checkpoint();
}

// The records of losses.jsonl (one JSON object per line).
std::vector<Json> loss_records(const std::string& out) {
  std::vector<Json> recs;
  std::ifstream in(out + "/losses.jsonl");
  for (std::string line; std::getline(in, line);) recs.push_back(parse_json(line, "losses.jsonl"));
  return recs;
}

// A data source whose batch `bad_step` has a NaN in the target image (as a corrupt decode could give).
class PoisonedData : public DptDataSource {
 public:
  PoisonedData(DptDataSource& inner, int64_t bad_step) : inner_(inner), bad_step_(bad_step) {}
  int64_t num_pairs() const override { return inner_.num_pairs(); }
  int64_t num_persons() const override { return inner_.num_persons(); }
  PairBatch pair_batch(uint64_t salt, int64_t step) override {
    PairBatch b = inner_.pair_batch(salt, step);
    if (step == bad_step_) b.y.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
    return b;
  }
  ViewBatch view_batch(uint64_t salt, int64_t step) override { return inner_.view_batch(salt, step); }

 private:
  DptDataSource& inner_;
  int64_t bad_step_;
};
}  // namespace

// The records of one stage without the wall-clock field, for exact comparison.
std::vector<std::string> stage_records(const std::string& out, const std::string& stage) {
  std::vector<std::string> recs;
  for (const Json& r : loss_records(out)) {
    if (r.at("stage").as_string() != stage) continue;
    Json copy = Json::object();
    for (const auto& [k, v] : r.as_object())
      if (k != "time") copy.set(k, v);
    recs.push_back(copy.dump());
  }
  return recs;
}

TEST_CASE("train/2N steps equal N steps + resume + N steps, bit for bit") {
  set_num_threads(2);
  const std::string dir = temp_dir("resume");
  const std::string data = make_dataset(dir + "/data", 32, 32);
  FolderDataOptions fo = folder_options(data);
  for (const char* stages : {"predictive", "blending"}) {
    CAPTURE(stages);
    const std::string a_out = dir + "/a_" + stages, b_out = dir + "/b_" + stages;
    TrainOptions a = tiny_options(data, a_out), b = tiny_options(data, b_out);
    a.stages = b.stages = stages;
    a.predictive_steps = a.blending_steps = 4;
    b.predictive_steps = b.blending_steps = 2;
    FolderData da(fo), db(fo);
    CHECK(train_dpt(a, da).steps_run == 4);
    CHECK(train_dpt(b, db).steps_run == 2);
    const std::vector<double> after2 = weights_of(b.out + "/model.safetensors");
    const std::string mid = latest_checkpoint(b.out);
    REQUIRE(mid.find("-0000002") != std::string::npos);
    b.predictive_steps = b.blending_steps = 4;
    FolderData dc(fo);
    // A resume that ran nothing, or ran other steps, fails one of these.
    const TrainResult r = train_dpt(b, dc, mid);
    CHECK(r.steps_run == 2);
    const std::vector<double> after4 = weights_of(b.out + "/model.safetensors");
    CHECK(after2 != after4);
    CHECK(weights_of(a.out + "/model.safetensors") == after4);
    // The log holds steps 1..4 once each, with the uninterrupted run's values.
    const std::vector<std::string> la = stage_records(a.out, stages), lb = stage_records(b.out, stages);
    CHECK(la.size() == 4);
    CHECK(la == lb);
    // and the run folder has what a user expects
    struct stat st;
    CHECK(stat((a.out + "/losses.jsonl").c_str(), &st) == 0);
    CHECK(stat((a.out + "/plots/" + std::string(stages) + ".svg").c_str(), &st) == 0);
  }
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("train/the predictive stage gives the same bits at any thread count") {
  // Its ops are all our own kernels (thread-count independent by construction); stages that call OpenBLAS
  // (Linear, Gram) are bit-exact only at a fixed thread count (README, Training).
  const std::string dir = temp_dir("threads");
  const std::string data = make_dataset(dir + "/data", 32, 32);
  FolderDataOptions fo = folder_options(data);
  std::vector<std::vector<double>> weights;
  for (int threads : {1, 3}) {
    set_num_threads(threads);
    TrainOptions o = tiny_options(data, dir + "/t" + std::to_string(threads));
    o.stages = "predictive";
    o.predictive_steps = 3;
    FolderData d(fo);
    train_dpt(o, d);
    weights.push_back(weights_of(o.out + "/model.safetensors"));
  }
  set_num_threads(2);
  CHECK(weights[0] == weights[1]);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("train/a resume with another seed, vgg or vgg_width_div is refused naming the field") {
  set_num_threads(2);
  const std::string dir = temp_dir("resume_refused");
  const std::string data = make_dataset(dir + "/data", 32, 32);
  FolderDataOptions fo = folder_options(data);
  TrainOptions a = tiny_options(data, dir + "/a");
  a.stages = "predictive";
  a.predictive_steps = 1;
  FolderData da(fo);
  train_dpt(a, da);
  const std::string ck = latest_checkpoint(a.out);
  REQUIRE(!ck.empty());
  const size_t records = loss_records(a.out).size();
  auto refusal = [&](TrainOptions changed) {
    changed.predictive_steps = 2;
    FolderData d(fo);
    return error_of([&] { train_dpt(changed, d, ck); });
  };
  TrainOptions o = a;
  o.seed = 7;
  CHECK(contains(refusal(o), "seed 0 -> 7"));
  o = a;
  o.vgg = "random";
  CHECK(contains(refusal(o), "vgg \"\" -> \"random\""));
  o = a;
  o.vgg_width_div = 8;
  CHECK(contains(refusal(o), "vgg_width_div 16 -> 8"));
  o = a;
  o.model.lambda_l1 = 3;
  o.seed = 2;
  const std::string both = refusal(o);
  CHECK(contains(both, "lambda_l1 1.0 -> 3.0"));  // every differing field is named
  CHECK(contains(both, "seed 0 -> 2"));
  CHECK(loss_records(a.out).size() == records);  // a refused resume wrote nothing
  // Other training data (one pair fewer): the data fingerprints differ.
  const std::string other = dir + "/other";
  REQUIRE(std::system(("cp -r " + data + " " + other + " && sed -i '$d' " + other + "/pairs-train.csv").c_str()) == 0);
  FolderDataOptions fo_other = folder_options(other);
  FolderData d_other(fo_other);
  TrainOptions on_other = a;
  on_other.data = other;  // the path itself is not compared, the lists are
  on_other.predictive_steps = 2;
  CHECK(contains(error_of([&] { train_dpt(on_other, d_other, ck); }), "data fingerprint"));
  // What does not change results may differ: logging, checkpoint cadence, threads, the run's length.
  o = a;
  o.log_every = 7;
  o.keep_last = 5;
  o.threads = 1;
  o.predictive_steps = 2;
  FolderData d(fo);
  CHECK(train_dpt(o, d, ck).steps_run == 1);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("train/unknown stage names are refused, listing the valid ones") {
  const std::string dir = temp_dir("stages");
  const std::string data = make_dataset(dir + "/data", 32, 32);
  FolderDataOptions fo = folder_options(data);
  TrainOptions o = tiny_options(data, dir + "/run");
  o.stages = "predictive,polishing";
  FolderData d(fo);
  const std::string e = error_of([&] { train_dpt(o, d); });
  CHECK(contains(e, "unknown stage 'polishing'"));
  CHECK(contains(e, "predictive, inpainting, blending"));
  struct stat st;
  CHECK(stat(o.out.c_str(), &st) != 0);  // refused before the run folder was made
  o.stages = "blending,predictive";
  CHECK(contains(error_of([&] { train_dpt(o, d); }), "training order"));

  // A checkpoint whose stage the family does not know (not silently taken for another stage).
  o.stages = "predictive";
  o.predictive_steps = 1;
  train_dpt(o, d);
  SafetensorsFile f = SafetensorsFile::read(latest_checkpoint(o.out));
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& n : f.names()) tensors.emplace_back(n, f.tensor(n));
  std::map<std::string, std::string> meta = f.metadata();
  meta["stage"] = "polishing";
  const std::string odd = dir + "/odd.safetensors";
  write_safetensors(odd, tensors, meta);
  TrainOptions r = o;
  r.out = dir + "/resumed";
  FolderData d2(fo);
  CHECK(contains(error_of([&] { train_dpt(r, d2, odd); }), "unknown stage 'polishing'"));
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
  CHECK_THROWS_WITH_AS(train_dpt(o, d), doctest::Contains("non-finite loss in stage predictive at step 2"), Error);
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
  TrainResult r = train_dpt(o, d, "", &stop);
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
  train_dpt(a, da);
  const std::string weights = a.out + "/model.safetensors";

  TrainOptions b = tiny_options(data, dir + "/b");
  b.stages = "predictive";
  b.predictive_steps = 1;
  b.model.lambda_l1 = 2.0;
  b.model.lr = 0;  // Adam with lr 0 leaves the weights as loaded
  FolderData db(fo);
  CHECK_THROWS_WITH_AS(train_dpt(b, db, latest_checkpoint(a.out)), doctest::Contains("lambda_l1 1.0 -> 2.0"), Error);
  b.init = weights;
  train_dpt(b, db);
  CHECK(weights_of(b.out + "/model.safetensors") == weights_of(weights));

  TrainOptions c = tiny_options(data, dir + "/c");
  c.model.ngf = 6;
  c.init = weights;
  FolderData dc(fo);
  CHECK_THROWS_WITH_AS(train_dpt(c, dc), doctest::Contains("ngf 8 -> 6"), Error);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("train/options: presets, overrides and errors") {
  TrainOptions o = load_train_options(preset_path("paper"));
  CHECK(o.model.H == 256);
  CHECK(o.model.S == 256);
  o.set("lambda_gan=0.25");
  CHECK(o.model.lambda_gan == 0.25);
  o.set("seed=12");
  CHECK(o.seed == 12u);
  CHECK_THROWS_WITH_AS(o.set("no_such_key=1"), doctest::Contains("unknown key 'no_such_key'"), Error);
  CHECK(contains(error_of([&] { o.set("lamda_l1=1"); }), "did you mean 'lambda_l1'"));
  CHECK_THROWS_WITH_AS(preset_path("nope"), doctest::Contains("unknown preset"), Error);
  // The JSON stays one flat object, and reads back to the same options.
  TrainOptions back;
  back.update_from_json(o.to_json(), "round trip");
  CHECK(back.to_json().dump() == o.to_json().dump());
  CHECK(o.to_json().contains("lambda_gan"));
  CHECK(o.to_json().contains("keep_last"));
}

TEST_CASE("train/options: every preset loads and validates") {
  for (const char* name : {"tiny", "cpu", "paper"}) {
    CAPTURE(name);
    TrainOptions o = load_train_options(preset_path(name));
    o.data = "somewhere";
    CHECK_NOTHROW(o.validate());
    CHECK(o.preset == name);
  }
}

TEST_CASE("train/options: every field is type- and range-checked, naming the key") {
  TrainOptions o = load_train_options(preset_path("tiny"));
  for (const char* bad : {"lr=-1", "epochs=-1", "predictive_steps=-1", "inpainting_steps=-5", "blending_steps=-1",
                          "keep_last=0", "checkpoint_every=0", "sample_every=-1", "log_every=0", "threads=-1",
                          "threads=2147483648", "seed=-1", "batch=0", "K=0", "H=-8", "S=1073741824", "ngf=0",
                          "lambda_s=-1", "beta1=1", "adam_eps=0", "vgg_width_div=0", "conv_backend=fast",
                          "pose_encoding=rgb", "H=\"32\"", "lr=\"big\""}) {
    CAPTURE(bad);
    const std::string key = std::string(bad).substr(0, std::string(bad).find('='));
    TrainOptions copy = o;
    CHECK(contains(error_of([&] { copy.set(bad); }), "'" + key + "'"));
  }
  // Values set in code are checked by validate().
  o.data = "somewhere";
  o.validate();
  TrainOptions neg = o;
  neg.model.lr = -1;
  CHECK(contains(error_of([&] { neg.validate(); }), "'lr'"));
  neg = o;
  neg.epochs = -1;
  CHECK(contains(error_of([&] { neg.validate(); }), "'epochs'"));
  neg = o;
  neg.vgg_width_div = 3;
  CHECK(contains(error_of([&] { neg.validate(); }), "vgg_width_div"));
}

TEST_CASE("train/options: unknown keys in a preset file are refused, naming the file and the key") {
  const std::string dir = temp_dir("preset_keys");
  const std::string path = dir + "/mine.json";
  std::ofstream(path) << R"({"H": 32, "W": 32, "lamda_l1": 2})";
  const std::string e = error_of([&] { load_train_options(path); });
  CHECK(contains(e, path));
  CHECK(contains(e, "unknown key 'lamda_l1'"));
  CHECK(contains(e, "did you mean 'lambda_l1'"));
  std::ofstream(path) << R"({"H": 32, "W": 32, "lr": -0.5})";
  CHECK(contains(error_of([&] { load_train_options(path); }), "'lr'"));
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("train/resume compares exactly the fields that change results (derived from their part)") {
  TrainOptions a, b;
  for (const ConfigField& f : a.fields()) {
    const bool must_match = changes_results(f.part);
    // Every model, loss, optimiser and data field, and seed / vgg / vgg_width_div; not where or how long.
    if (f.key == "seed" || f.key == "vgg" || f.key == "vgg_width_div" || f.key == "lr" || f.key == "H" ||
        f.key == "batch" || f.key == "lambda_gan" || f.key == "ngf") {
      CAPTURE(f.key);
      CHECK(must_match);
    }
    if (f.key == "out" || f.key == "threads" || f.key == "log_every" || f.key == "device" || f.key == "keep_last" ||
        f.key == "sample_every" || f.key == "checkpoint_every" || f.key == "predictive_steps" || f.key == "epochs") {
      CAPTURE(f.key);
      CHECK(!must_match);
    }
  }
  CHECK(resume_differences(a, b).empty());
  b.out = "elsewhere";
  b.threads = 3;
  CHECK(resume_differences(a, b).empty());
  b.seed = 4;
  b.model.ndf = 16;
  CHECK(resume_differences(a, b) == "seed 0 -> 4, ndf 64 -> 16");
}
