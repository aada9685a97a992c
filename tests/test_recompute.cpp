// Note [recompute] (core/recompute.h): a checkpointed segment gives bitwise the gradients of the plain
// graph (its inputs' and its parameters'), and the inpainter's recomputed full-resolution level keeps
// less memory alive. The training option `recompute` (DptRecompute in models/dpt/config.h): a blending
// step gives bitwise the same gradients with every value, it is a config field like the others, and a
// resume may change it.
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/recompute.h"
#include "core/rng.h"
#include "models/dpt/networks.h"
#include "ops/conv2d.h"
#include "ops/elementwise.h"
#include "ops/instance_norm.h"
#include "ops/reduce.h"
#include "io/safetensors.h"
#include "models/vgg.h"
#include "tests/test_util.h"
#include "train/dpt_family.h"
#include "train/options.h"
#include "train/random_dpt_data.h"
#include "train/run_folder.h"
#include "train/trainer.h"

using namespace dpt;
using test::contains;
using test::error_of;
using test::temp_dir;

namespace {

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined() || a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const std::vector<float> va = a.to_float_vector(), vb = b.to_float_vector();
  return std::memcmp(va.data(), vb.data(), va.size() * sizeof(float)) == 0;
}

Tensor random_tensor(const Shape& s, Generator& gen) {
  Tensor t = Tensor::empty(s);
  normal_(t, 0, 1, gen);
  return t;
}

struct InpainterRun {
  std::vector<std::pair<std::string, Tensor>> grads;  // every parameter's, then the input's
  size_t peak_bytes = 0;                              // allocator peak over forward + backward
};

// One forward and backward of a small inpainter (S 16: two levels) and a tail on fixed random data.
InpainterRun run_inpainter(bool recompute) {
  Generator gen(3);
  Inpainter net(16, 8, 16, 32, gen);
  net.recompute_decoder = recompute;
  Tensor x0 = random_tensor({2, 96, 16, 16}, gen).set_requires_grad(true);
  Tensor r = random_tensor({2, 72, 16, 16}, gen);
  CachingAllocator& a = allocator_for(DeviceType::CPU);
  a.empty_cache();
  a.reset_peak();
  const size_t base = a.stats().current_bytes;
  {
    // A non-leaf input, as inside the model, and a tail of ops after the inpainter (as the blending
    // stage's warping, blending net and VGG19): their activations are freed by the time backward reaches
    // the recomputed level. (A segment at the very end of the graph saves nothing: its backward runs
    // first, while everything else is still held.)
    Tensor y = net.forward_parts(x0 * 1.0);
    for (int k = 0; k < 6; ++k) y = tanh(y * 1.5);
    sum(y * r).backward();
  }
  InpainterRun run;
  run.peak_bytes = a.stats().peak_bytes - base;
  for (const auto& [name, p] : net.named_parameters()) run.grads.push_back({name, p.grad()});
  run.grads.push_back({"input", x0.grad()});
  return run;
}

// 128x128 pictures, batch 1, a narrow generator and discriminator (ngf, ndf 8, S 16) and half-width
// random VGG19 features, so that the VGG19 activations set the step's peak (at the small benchmark
// configuration the generator's do: recomputing VGG19 saves 3 % there, README "Recomputation").
TrainOptions blending_options(const std::string& recompute) {
  TrainOptions o;
  o.model.H = o.model.W = 128;
  o.model.ngf = o.model.ndf = 8;
  o.model.S = 16;
  o.model.inpaint_base = 8;
  o.model.inpaint_max = 16;
  o.model.emb = 32;
  o.model.batch = 1;
  o.data = "(random)";
  o.vgg = "random";
  o.vgg_width_div = 2;
  o.stages = "blending";
  o.recompute = recompute;
  o.validate();
  return o;
}

struct StepRun {
  std::vector<std::pair<std::string, Tensor>> grads;  // every parameter's gradient after the second step
  size_t peak_bytes = 0;                              // allocator peak over the second step
};

// Two blending steps (the first creates Adam's moments and fills the allocator's cache) with `recompute`.
StepRun blending_steps(const std::string& recompute) {
  CachingAllocator& a = allocator_for(DeviceType::CPU);
  a.empty_cache();
  const size_t baseline = a.stats().current_bytes;
  const TrainOptions opts = blending_options(recompute);
  RandomDptStage stage(opts.model, "blending", opts.vgg_width_div, opts.recompute);
  CHECK(stage.family.model().inpaint->recompute_decoder == (recompute == "inpainter" || recompute == "all"));
  stage.step();
  a.reset_peak();
  stage.step();
  StepRun run;
  run.peak_bytes = a.stats().peak_bytes - baseline;
  for (const auto& [name, p] : stage.family.model().named_parameters()) run.grads.push_back({name, p.grad().clone()});
  return run;
}

}  // namespace

TEST_CASE("recompute/checkpoint gives bitwise the plain gradients") {
  Generator gen(11);
  const Tensor x0 = random_tensor({2, 3, 9, 7}, gen), w0 = random_tensor({5, 3, 3, 3}, gen), b0 = random_tensor({5}, gen);
  ConvParams p;
  p.padding = 1;
  std::vector<Tensor> g_plain, g_recomputed;
  for (bool recompute : {false, true}) {
    Tensor x = x0.clone().set_requires_grad(true), w = w0.clone().set_requires_grad(true);
    Tensor b = b0.clone().set_requires_grad(true);
    const SegmentFn seg = [&](std::vector<Tensor> in) { return tanh(relu(instance_norm(conv2d(in[0], w, b, p)))); };
    Tensor h = exp(x * 0.5);  // the segment's input is a result, as in a network
    Tensor y = recompute ? checkpoint("test_segment", seg, {h}, {w, b}) : seg({h});
    CHECK(static_cast<bool>(y.grad_fn()));
    sum(y * y).backward();
    (recompute ? g_recomputed : g_plain) = {x.grad(), w.grad(), b.grad()};
  }
  for (size_t i = 0; i < g_plain.size(); ++i) CHECK_MESSAGE(bitwise_equal(g_plain[i], g_recomputed[i]), "gradient " << i);
  // With the graph off a checkpoint is the segment itself.
  NoGradGuard no_grad;
  Tensor w = w0, b = b0;
  const SegmentFn seg = [&](std::vector<Tensor> in) { return relu(conv2d(in[0], w, b, p)); };
  Tensor y = checkpoint("test_segment", seg, {x0}, {w, b});
  CHECK_FALSE(y.grad_fn());
  CHECK(bitwise_equal(y, seg({x0})));
}

TEST_CASE("recompute/inpainter full-resolution level: same gradients, less memory") {
  const InpainterRun plain = run_inpainter(false), recomputed = run_inpainter(true);
  REQUIRE(plain.grads.size() == recomputed.grads.size());
  for (size_t i = 0; i < plain.grads.size(); ++i)
    CHECK_MESSAGE(bitwise_equal(plain.grads[i].second, recomputed.grads[i].second), plain.grads[i].first);
  MESSAGE("allocator peak " << plain.peak_bytes << " bytes plain, " << recomputed.peak_bytes << " recomputed");
  CHECK(recomputed.peak_bytes < plain.peak_bytes);
}

TEST_CASE("recompute/VGG19 segments: same features and input gradient") {
  Generator gen(5);
  std::unique_ptr<VGG19Features> vgg = VGG19Features::random(8, gen);
  const Tensor y0 = random_tensor({2, 3, 32, 32}, gen), r = random_tensor({2, 64, 2, 2}, gen);
  std::vector<Tensor> grads;
  for (bool recompute : {false, true}) {
    vgg->recompute = recompute;
    Tensor y = y0.clone().set_requires_grad(true);
    std::map<std::string, Tensor> f = vgg->forward(y * 1.0);
    REQUIRE(f.size() == 5);
    // Every tap feeds the loss, as in the perceptual and style terms.
    Tensor loss = sum(f.at("relu5_2") * r);
    for (const char* t : kVggTaps) loss = loss + sum(f.at(t) * f.at(t));
    loss.backward();
    grads.push_back(y.grad());
  }
  CHECK(bitwise_equal(grads[0], grads[1]));
  // Stopping at an earlier tap returns the taps up to it.
  vgg->recompute = true;
  Tensor y = y0.clone().set_requires_grad(true);
  CHECK(vgg->forward_to(y, "relu2_2").size() == 2);
}

TEST_CASE("recompute/a blending step gives bitwise the same gradients with every value, in less memory") {
  const StepRun none = blending_steps("none");
  REQUIRE(!none.grads.empty());
  for (const std::string value : {"vgg", "all"}) {
    CAPTURE(value);
    const StepRun r = blending_steps(value);
    REQUIRE(r.grads.size() == none.grads.size());
    for (size_t i = 0; i < none.grads.size(); ++i)
      CHECK_MESSAGE(bitwise_equal(none.grads[i].second, r.grads[i].second), none.grads[i].first);
    MESSAGE("blending step: allocator peak " << none.peak_bytes << " bytes with recompute none, " << r.peak_bytes
                                             << " with " << value);
    CHECK(r.peak_bytes < none.peak_bytes);
  }
}

TEST_CASE("recompute/config field: JSON round trip, choices, not in dpt_config") {
  TrainOptions o = load_train_options(preset_path("tiny"));
  CHECK(o.recompute == "none");
  o.set("recompute=vgg");
  CHECK(o.recompute == "vgg");
  TrainOptions back;
  back.update_from_json(o.to_json(), "round trip");
  CHECK(back.recompute == "vgg");
  CHECK(back.to_json().dump() == o.to_json().dump());
  // The checkpoints' dpt_config (the model's configuration) does not have it.
  CHECK(!o.model.to_json_value().contains("recompute"));
  // An invalid value is refused naming the key and listing the choices.
  const std::string e = error_of([&] { o.set("recompute=everything"); });
  CHECK(contains(e, "'recompute'"));
  for (const std::string& c : DptRecompute::recompute_choices()) CHECK(contains(e, c));
  // A Run field: an exact resume need not match it.
  TrainOptions a, b;
  b.recompute = "all";
  CHECK(resume_differences(a, b).empty());
  for (const ConfigField& f : a.fields())
    if (f.key == "recompute") CHECK(!changes_results(f.part));
}

TEST_CASE("recompute/a resume with another recompute value continues bit for bit") {
  const std::string dir = temp_dir("recompute_resume");
  auto options = [&](const std::string& out, const std::string& recompute, int64_t steps) {
    TrainOptions o = load_train_options(preset_path("tiny"));
    o.data = "(random)";
    o.out = dir + "/" + out;
    o.stages = "blending";
    o.blending_steps = steps;
    o.checkpoint_every = 1;
    o.recompute = recompute;
    return o;
  };
  auto run = [](const TrainOptions& o, const std::string& resume) {
    Generator gen(2);
    RandomDptData data(o.model, gen);
    DptFamily family(o, data);
    return train(o, family, resume);
  };
  auto weights = [](const std::string& out) {
    std::vector<float> all;
    SafetensorsFile f = SafetensorsFile::read(out + "/model.safetensors");
    for (const auto& n : f.names()) {
      const std::vector<float> v = f.tensor(n).to_float_vector();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  };
  const TrainOptions plain = options("plain", "none", 2);
  run(plain, "");
  TrainOptions first = options("resumed", "none", 1);
  run(first, "");
  const std::string mid = RunFolder::open(first.out, DptFamily::stage_names()).latest_checkpoint();
  REQUIRE(!mid.empty());
  const TrainOptions second = options("resumed", "all", 2);
  const TrainResult r = run(second, mid);
  CHECK(r.steps_run == 1);
  const std::vector<float> a = weights(plain.out), b = weights(second.out);
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  std::system(("rm -rf " + dir).c_str());
}

// DptFamily::step runs the D loss's backward before the generator's (memory: Note [activation
// lifetimes]); the graphs are disjoint, so every gradient is bitwise that of the other order.
TEST_CASE("recompute/the blending step's backward order changes no gradient") {
  const TrainOptions opts = blending_options("none");
  std::vector<std::pair<std::string, Tensor>> by_step, by_hand;
  {
    RandomDptStage stage(opts.model, "blending", opts.vgg_width_div);
    stage.step();
    for (const auto& [name, p] : stage.family.model().named_parameters()) by_step.push_back({name, p.grad()});
  }
  {
    // The family's weights and features (drawn in this order from the seed) and batch, the generator's
    // backward first.
    Generator gen(1);
    RandomDptData data(opts.model, gen);
    Generator weights(opts.seed);
    DensePoseTransfer model(opts.model, weights);
    std::unique_ptr<VGG19Features> vgg = VGG19Features::random(opts.vgg_width_div, weights);
    BlendingLosses l = blending_losses(model, *vgg, data.pair_batch(0, 0));
    l.loss_G.backward();
    l.loss_D.backward();
    for (const auto& [name, p] : model.named_parameters()) by_hand.push_back({name, p.grad()});
  }
  REQUIRE(by_step.size() == by_hand.size());
  REQUIRE(!by_step.empty());
  for (size_t i = 0; i < by_step.size(); ++i)
    CHECK_MESSAGE(bitwise_equal(by_step[i].second, by_hand[i].second), by_step[i].first);
}
