// The SCA-GAN family of the generic trainer (train/sca_family.h) on a small dpt-synth set with keypoints:
// each phase's loss falls; exact resume across the phase boundary and inside phase 2 (Note [resume] in
// train/trainer.cpp, Note [SCA randomness]); the LR schedule; checkpoints of the other family refused.
#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <map>

#include "core/threading.h"
#include "io/file_io.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "models/dpt/checkpoint.h"
#include "models/sca/checkpoint.h"
#include "synth/dataset.h"
#include "train/resume.h"
#include "train/run_folder.h"
#include "train/sca_data_source.h"
#include "train/sca_family.h"
#include "train/trainer.h"
#include "tests/test_util.h"

using namespace dpt;

namespace {
using test::contains;
using test::error_of;

// 4 persons x 3 views at 64x48 with keypoints (3 train persons: 18 ordered pairs), written once per process.
const std::string& sca_dataset() {
  static const std::string root = [] {
    const std::string dir = test::temp_dir("sca_train_data");
    synth::DatasetOptions o;
    o.out = dir;
    o.persons = 4;
    o.views = 3;
    o.test_persons = 1;
    o.render.height = 64;
    o.render.width = 48;
    o.seed = 11;
    o.threads = 1;
    o.writers = 1;
    synth::write_dataset(o);
    return dir;
  }();
  return root;
}

TrainOptions sca_options(const std::string& out) {
  TrainOptions o = load_train_options(preset_path("sca/tiny"));
  o.data = sca_dataset();
  o.out = out;
  o.edges = "xdog";
  return o;
}

// Sets `flag` when batch `step` of `stage` is requested: the trainer then stops after that step.
struct StopAt : ScaDataSource {
  ScaDataSource& inner;
  uint64_t stage_seed;
  int64_t step;
  std::atomic<bool>& flag;
  StopAt(ScaDataSource& in, uint64_t s, int64_t st, std::atomic<bool>& f) : inner(in), stage_seed(s), step(st), flag(f) {}
  int64_t num_pairs() const override { return inner.num_pairs(); }
  ScaPairBatch pair_batch(uint64_t seed, int64_t st, int64_t batch) override {
    if (seed == stage_seed && st == step) flag = true;
    return inner.pair_batch(seed, st, batch);
  }
  std::string fingerprint() const override { return inner.fingerprint(); }
};

// Every tensor of a safetensors file as raw bytes.
std::map<std::string, std::vector<uint8_t>> tensors_of(const std::string& path) {
  const SafetensorsFile f = SafetensorsFile::read(path);
  std::map<std::string, std::vector<uint8_t>> out;
  for (const std::string& n : f.names()) {
    const Tensor t = f.tensor(n).contiguous();
    const uint8_t* p = static_cast<const uint8_t*>(t.raw_data());
    out[n].assign(p, p + t.numel() * 4);
  }
  return out;
}

void check_identical(const std::string& a, const std::string& b) {
  const auto ta = tensors_of(a), tb = tensors_of(b);
  REQUIRE(ta.size() == tb.size());
  int differing = 0;
  for (const auto& [n, bytes] : ta) {
    auto it = tb.find(n);
    REQUIRE_MESSAGE(it != tb.end(), n);
    if (it->second != bytes && differing++ < 5) MESSAGE("differs: " << n);
  }
  CHECK_MESSAGE(differing == 0, differing << " tensors of " << ta.size() << " differ between " << a << " and " << b);
}

std::vector<std::map<std::string, double>> log_of(const std::string& out, const std::string& stage) {
  std::vector<std::map<std::string, double>> rows;
  std::ifstream f(out + "/losses.jsonl");
  for (std::string line; std::getline(f, line);) {
    const Json j = parse_json(line, "losses.jsonl");
    if (j.find("stage")->as_string() != stage) continue;
    std::map<std::string, double> r;
    for (const auto& kv : j.as_object())
      if (kv.second.is_number()) r[kv.first] = kv.second.as_number();
    rows.push_back(r);
  }
  return rows;
}

double mean_of(const std::vector<std::map<std::string, double>>& rows, size_t from, size_t to, const std::string& key) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += rows.at(i).at(key);
  return s / static_cast<double>(to - from);
}
}  // namespace

// Measured on this set (16 steps per phase, lr 1e-3): phase 1 loss_G 20.1 -> 10.4 and L1 0.97 -> 0.83;
// phase 2 loss_G 20.6 -> 8.7, while the tiny IS-Net's (isn_ngf 2) L1, L_per and CX move within their batch
// noise in so few steps, so phase 2 checks the headline loss only.
TEST_CASE("sca_train/loss_falls: a tiny end-to-end run of each phase lowers its losses") {
  const std::string out = test::temp_dir("sca_train_falls");
  TrainOptions o = sca_options(out);
  o.sca.epoch_size = 16;  // 8 iterations per epoch at batch 2
  o.sca.pct_niter = 2, o.sca.pct_niter_decay = 0, o.sca.isn_niter = 2, o.sca.isn_niter_decay = 0;
  o.sca.pct_lr = 1e-3, o.sca.isn_lr = 1e-3;
  o.checkpoint_every = o.sample_every = 1000;
  ScaFolderData data(sca_folder_options(o));
  ScaFamily family(o, data);
  const TrainResult r = train(o, family, "");
  REQUIRE(r.steps_run == 32);
  for (const char* stage : {kScaPctStage, kScaIsnStage}) {
    const auto rows = log_of(out, stage);
    REQUIRE(rows.size() == 16);
    std::vector<std::string> keys{"loss_G"};
    if (std::string(stage) == kScaPctStage) keys.push_back("L1");
    for (const auto& key : keys) {
      const double first = mean_of(rows, 0, 4, key), last = mean_of(rows, 12, 16, key);
      CHECK_MESSAGE(last < first, stage << " " << key << ": mean of the first 4 steps " << first << ", of the last 4 " << last);
    }
    CHECK_MESSAGE(mean_of(rows, 12, 16, "loss_G") < 0.8 * mean_of(rows, 0, 4, "loss_G"), stage);
  }
  CHECK(file_exists(out + "/samples/isnet-16.png"));
  CHECK(file_exists(out + "/plots/pctnet.svg"));
}

TEST_CASE("sca_train/resume: stopping inside phase 1 or phase 2 and resuming gives the uninterrupted run bit for bit") {
  const std::string base = test::temp_dir("sca_train_resume");
  // The uninterrupted run: 6 + 6 steps, checkpoints every 3.
  const TrainOptions full = sca_options(base + "/full");
  {
    ScaFolderData data(sca_folder_options(full));
    ScaFamily family(full, data);
    REQUIRE(train(full, family, "").steps_run == 12);
  }
  for (const char* stage : {kScaPctStage, kScaIsnStage}) {
    CAPTURE(stage);
    const std::string out = base + "/" + stage;
    const TrainOptions o = sca_options(out);
    std::atomic<bool> stop{false};
    {
      ScaFolderData data(sca_folder_options(o));
      StopAt stopping(data, stage_batch_seed(o.seed, stage), 3, stop);  // stops after step 4 of the stage
      ScaFamily family(o, stopping);
      const TrainResult r = train(o, family, "", &stop);
      REQUIRE(r.interrupted);
    }
    const std::string at = RunFolder::open(out, ScaFamily::stage_names()).checkpoint_path(stage, 4);
    REQUIRE(file_exists(at));
    const SafetensorsFile ck = SafetensorsFile::read(at);
    CHECK(ck.metadata().at("phase") == (std::string(stage) == kScaPctStage ? "pct" : "isn"));
    CHECK(ck.metadata().at("epoch") == "2");  // 2 iterations per epoch: step 4 ends epoch 2
    CHECK(ck.metadata().at("family") == "sca");
    {
      ScaFolderData data(sca_folder_options(o));
      ScaFamily family(o, data);  // fresh weights: the resume must restore everything
      const TrainResult r = train(o, family, at);
      CHECK_FALSE(r.interrupted);
    }
    check_identical(base + "/full/model.safetensors", out + "/model.safetensors");
    const RunFolder f = RunFolder::open(out, ScaFamily::stage_names()), g = RunFolder::open(base + "/full", ScaFamily::stage_names());
    check_identical(g.checkpoint_path(kScaIsnStage, 6), f.checkpoint_path(kScaIsnStage, 6));  // with Adam moments
  }
}

TEST_CASE("sca_train/schedule: epochs of ceil(epoch_size / batch) iterations, linear decay, stage names") {
  TrainOptions o = sca_options(test::temp_dir("sca_train_schedule"));
  o.sca.epoch_size = 5;  // ceil(5 / 2) = 3 iterations per epoch
  o.sca.pct_niter = 2, o.sca.pct_niter_decay = 3;
  ScaFolderData data(sca_folder_options(o));
  ScaFamily family(o, data);
  CHECK(family.stage_steps(kScaPctStage) == 15);
  const auto groups = family.optimiser_groups(kScaPctStage);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].name == "G");
  CHECK(groups[1].name == "D_PP");
  CHECK(groups[2].name == "D_PB");
  CHECK(groups[0].params.front().first.rfind("pct.", 0) == 0);
  CHECK(family.optimiser_groups(kScaIsnStage)[0].params.front().first.rfind("isn.", 0) == 0);
  const double lr = o.sca.pct_lr;
  // Epochs 1, 2 at lr; 3, 4, 5 at lr (1 - k / 4), k = 1, 2, 3.
  const double want[5] = {lr, lr, lr * 0.75, lr * 0.5, lr * 0.25};
  for (int64_t step = 0; step < 15; ++step)
    CHECK(family.learning_rate(kScaPctStage, groups[1], step, 15) == doctest::Approx(want[step / 3]).epsilon(1e-12));
  CHECK(sca_stage_list("pct,isn") == "pctnet,isnet");
  CHECK(family.select_stages(sca_stage_list("isn")) == std::vector<std::string>{"isnet"});
  CHECK(contains(error_of([&] { family.select_stages("blending"); }), "pctnet, isnet"));
  // Same (seed, stage, step): the same pairs; another step: others.
  const uint64_t s = stage_batch_seed(o.seed, kScaPctStage);
  CHECK(sca_draw_pairs(s, 3, 4, 100) == sca_draw_pairs(s, 3, 4, 100));
  CHECK(sca_draw_pairs(s, 3, 4, 100) != sca_draw_pairs(s, 4, 4, 100));
}

TEST_CASE("sca_train/family_errors: a DPT checkpoint given to an SCA-GAN run and the reverse are refused by family") {
  const std::string dpt_ck = test::test_data_dir() + "/golden/tiny_weights.safetensors";
  const std::string sca_ck = test::test_data_dir() + "/golden/sca/tiny_weights.safetensors";
  TrainOptions o = sca_options(test::temp_dir("sca_train_family"));
  ScaFolderData data(sca_folder_options(o));
  ScaFamily family(o, data);
  // --init and --resume of an SCA-GAN run with a DPT file.
  std::string e = error_of([&] { family.init_from(dpt_ck); });
  CHECK_MESSAGE(contains(e, "not an SCA-GAN checkpoint"), e);
  CHECK_MESSAGE(contains(e, "Dense Pose Transfer"), e);
  e = error_of([&] { open_resume(dpt_ck, o, family); });
  CHECK_MESSAGE(contains(e, "dpt"), e);
  CHECK_MESSAGE(contains(e, "sca"), e);
  // A DPT run (its checkpoint reader) with the SCA-GAN file.
  e = error_of([&] { read_checkpoint(sca_ck); });
  CHECK_MESSAGE(contains(e, "sca"), e);
  // The reference's SCA-GAN file itself loads as --init (same shapes as sca/tiny).
  CHECK(error_of([&] { family.init_from(sca_ck); }).empty());
  // dpt-train: --model sca with a DPT config, and a DPT run given the SCA-GAN file as --init.
  const auto r1 = test::run_command(test::tool_path("dpt-train") + " --model sca --preset " + preset_path("tiny") +
                                    " --data " + sca_dataset() + " --out " + test::temp_dir("sca_cli1"));
  CHECK(r1.code != 0);
  CHECK_MESSAGE(contains(r1.err, "is for the model family 'dpt'"), r1.err);
  const auto r2 = test::run_command(test::tool_path("dpt-train") + " --preset tiny --set H=64 --set W=48 --data " +
                                    sca_dataset() + " --out " + test::temp_dir("sca_cli2") + " --init " + sca_ck);
  CHECK(r2.code != 0);
  CHECK_MESSAGE(contains(r2.err, "sca"), r2.err);
  const auto r3 = test::run_command(test::tool_path("dpt-train") + " --model sca --preset tiny --data " + sca_dataset() +
                                    " --edges xdog --out " + test::temp_dir("sca_cli3") + " --init " + dpt_ck);
  CHECK(r3.code != 0);
  CHECK_MESSAGE(contains(r3.err, "not an SCA-GAN checkpoint"), r3.err);
}

TEST_CASE("sca_train/options: the SCA-GAN presets, their keys, and what a resume must match") {
  for (const char* name : {"tiny", "cpu", "paper"}) {
    CAPTURE(name);
    TrainOptions o = load_train_options(preset_path(std::string("sca/") + name));
    o.data = "somewhere";
    CHECK_NOTHROW(o.validate());
    CHECK(o.family == "sca");
    CHECK(o.preset == std::string("sca/") + name);
    CHECK(o.to_json().find("pct_ngf") != nullptr);
    CHECK(o.to_json().find("ngf") == nullptr);  // DPT's keys are not an SCA-GAN run's
  }
  TrainOptions o = load_train_options(preset_path("sca/tiny"));
  CHECK(contains(error_of([&] { o.set("ngf=8"); }), "unknown key 'ngf'"));
  CHECK(contains(error_of([&] { o.set("isn_lr=-1"); }), "'isn_lr' must be"));
  CHECK(contains(error_of([&] { o.set("edges=maybe"); }), "'edges' must be one of auto, files, xdog"));
  CHECK(contains(error_of([&] { o.set("H=50"); o.data = "x"; o.validate(); }), "divisible by 4"));
  // A resume must match every field that changes results; the epochs of a phase may grow.
  TrainOptions a = load_train_options(preset_path("sca/tiny")), b = a;
  b.sca.lambda_cx = 0.2;
  b.sca.isn_niter = 5;
  b.edges = "files";
  const std::string diff = resume_differences(a, b);
  CHECK_MESSAGE(contains(diff, "lambda_cx 0.1 -> 0.2"), diff);
  CHECK_MESSAGE(contains(diff, "edges"), diff);
  CHECK_MESSAGE(!contains(diff, "isn_niter"), diff);
}
