// Golden parity of the networks, losses and gradients at the tiny configuration (tests/data/golden,
// produced by ../shared/reference/make_golden.py): every forward intermediate, every loss value, every
// parameter gradient and the Adam trajectories, with the tolerances of tests/data/golden/README.md.
// The checks take the device to run on (tests/models_golden_util.h): the golden/model/* cases below run
// them on the CPU, the emu/golden/model/* cases of tests/test_cuda_parity_models.cpp on the CUDA device.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <set>

#include "core/autograd.h"
#include "io/json.h"
#include "models/dpt/checkpoint.h"
#include "models/dpt/losses.h"
#include "models/vgg.h"
#include "models/dpt/warping.h"
#include "ops/adam.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/reduce.h"
#include "tests/models_golden_util.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

// README tolerances.
constexpr double kTolForward = 1e-4;  // stage files: forward intermediates and loss values
constexpr double kTolGrad = 1e-3;     // stage files: grad.*, dloss_G.*, d<term>.y_hat
constexpr double kTolZero = 1e-3;     // zero_by_construction: max|a| <= 1e-3 max|grad.<layer>.weight|
constexpr double kTolTraj = 1e-4;     // traj.*
constexpr double kTolVggFwd = 1e-5;   // vgg19_*_case features, Lp, Ls
constexpr double kTolVggGrad = 1e-4;  // vgg19_*_case dLp.y_hat, dLs.y_hat

std::string golden_path(const std::string& file) { return test_data_dir() + "/golden/" + file; }

// The README metric max|a - g| / max|g| (0-d: relative error).
double golden_err(const Tensor& a, const Tensor& g) {
  std::vector<double> av = a.to_vector(), gv = g.to_vector();
  double md = 0, mg = 0;
  for (size_t i = 0; i < av.size(); ++i) {
    md = std::max(md, std::isnan(av[i]) ? INFINITY : std::fabs(av[i] - gv[i]));
    mg = std::max(mg, std::fabs(gv[i]));
  }
  return mg > 0 ? md / mg : md;
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector()) m = std::max(m, std::fabs(v));
  return m;
}

// Checks against the golden tensor and remembers the worst error per group for a summary line. Checked
// tensors must be on `device` (the device the case runs on); they are compared on the CPU.
struct Report {
  Report(std::string f, Device d) : file(std::move(f)), device(d) {}
  std::string file;
  Device device;
  std::map<std::string, std::pair<double, std::string>> worst;  // group -> (err, tensor)
  // `actual` moved to the CPU, after requiring that it is on `device`.
  Tensor host(const Tensor& actual, const std::string& name) const {
    REQUIRE_MESSAGE(actual.defined(), file << ":" << name << " is undefined");
    REQUIRE_MESSAGE(actual.device() == device,
                    file << ":" << name << " is on " << actual.device().str() << ", expected " << device.str());
    return actual.detach().to(Device::cpu());
  }
  void check(const std::string& group, const Tensor& actual_on_device, const std::string& name, double tol) {
    const Tensor actual = host(actual_on_device, name);
    Tensor g = golden(file, name);
    expect_golden(actual, g, tol, file + ":" + name);
    if (actual.shape() != g.shape()) return;
    double e = tol == 0 ? (golden_err(actual, g) == 0 ? 0 : INFINITY) : golden_err(actual, g);
    auto& w = worst[group];
    if (e >= w.first) w = {e, name};
  }
  void note(const std::string& group, double e, const std::string& name) {
    auto& w = worst[group];
    if (e >= w.first) w = {e, name};
  }
  ~Report() {
    if (std::uncaught_exceptions() > 0) return;
    for (auto& kv : worst)
      MESSAGE(file << " " << kv.first << ": worst err " << kv.second.first << " (" << kv.second.second << ")");
  }
};

std::unique_ptr<DensePoseTransfer> tiny_model(Device dev) {
  auto m = load_model(golden_path("tiny_weights.safetensors"));
  m->to(dev);
  return m;
}

std::unique_ptr<VGG19Features> vgg_div16(Device dev) {
  auto vgg = VGG19Features::from_file(golden_path("vgg19_div16.safetensors"));
  vgg->to(dev);
  return vgg;
}

// Golden tensor `name` of `file` on `dev` (a leaf without grad).
Tensor golden_on(const std::string& file, const std::string& name, Device dev) {
  return golden(file, name).to(dev).detach();
}

std::set<std::string> zero_by_construction(const std::string& file) {
  std::set<std::string> out;
  Json j = parse_json(golden_metadata(file).at("zero_by_construction"), file);
  for (const Json& v : j.as_array()) out.insert(v.as_string());
  return out;
}

// Compares grad.<param> of every parameter under `prefix` with the golden file.
void check_grads(Report& rep, const Module& net, const std::string& prefix) {
  const std::set<std::string> zeros = zero_by_construction(rep.file);
  for (auto& p : net.named_parameters(prefix)) {
    const std::string key = "grad." + p.first;
    REQUIRE_MESSAGE(p.second.grad().defined(), "no gradient reached " << p.first);
    if (zeros.count(key)) {
      std::string wkey = key.substr(0, key.size() - 4) + "weight";  // grad.<layer>.bias -> .weight
      double bound = kTolZero * max_abs(golden(rep.file, wkey));
      double a = max_abs(rep.host(p.second.grad(), key));
      CHECK_MESSAGE(a <= bound, rep.file << ":" << key << " (zero by construction): max|a| " << a << " > " << bound);
      rep.note("zero_by_construction grad / bound", a / (bound / kTolZero), key);
    } else {
      rep.check("grad", p.second.grad(), key, kTolGrad);
    }
  }
}

PairBatch pair_batch(const std::string& file, Device dev) {
  return PairBatch{golden_on(file, "x_s", dev), golden_on(file, "iuv_s", dev), golden_on(file, "iuv_t", dev),
                   golden_on(file, "y", dev)};
}

ViewBatch view_batch(const std::string& file, Device dev) {
  return ViewBatch{golden_on(file, "x_views", dev), golden_on(file, "iuv_views", dev)};
}

// A fresh Adam state (m, v) for each parameter.
struct AdamState {
  std::vector<Tensor> params, m, v;
  int64_t step = 0;
  explicit AdamState(std::vector<Tensor> ps) : params(std::move(ps)) {
    for (auto& p : params) {
      m.push_back(Tensor::zeros_like(p));
      v.push_back(Tensor::zeros_like(p));
    }
  }
  void apply(const AdamHyper& h) {
    ++step;
    for (size_t i = 0; i < params.size(); ++i) {
      REQUIRE(params[i].grad().defined());
      adam_update_(params[i], params[i].grad(), m[i], v[i], step, h);
    }
  }
};

AdamHyper hyper(const Config& c) { return AdamHyper{c.lr, c.beta1, c.beta2, c.adam_eps}; }

}  // namespace

TEST_CASE("golden/model/tiny_weights_checkpoint") {
  Checkpoint ck = read_checkpoint(golden_path("tiny_weights.safetensors"));
  CHECK(ck.cfg.H == 32);
  CHECK(ck.cfg.S == 16);
  CHECK(ck.cfg.ngf == 8);
  CHECK(ck.cfg.inpaint_base == 4);
  CHECK(ck.cfg.inpaint_max == 6);
  CHECK(ck.cfg.emb == 8);
  auto model = load_model(ck);
  auto names = model->named_parameters();
  CHECK(names.size() == ck.file.names().size());
  // Every tensor of the file is a parameter, loaded bit-exactly.
  for (auto& p : names) {
    REQUIRE_MESSAGE(ck.file.contains(p.first), p.first);
    expect_golden(p.second, ck.file.tensor(p.first), 0, p.first);
  }
  for (const char* k : {"pred.c1.weight", "pred.res.5.conv2.bias", "inpaint.enc.0.weight", "inpaint.fuse1.weight",
                        "inpaint.dec.1.weight", "inpaint.out.bias", "blend.res.2.conv1.weight", "disc.c4.bias"})
    CHECK_MESSAGE(model->state_dict().count(k) == 1, k);
  // README: fuse1 is Linear(24*6*16 -> 8); dec.0 takes 24*(6+8) channels.
  CHECK(model->inpaint->fuse1->weight.shape() == Shape{8, 2304});
  CHECK(model->inpaint->dec[0]->weight.shape() == Shape{336, 6, 3, 3});
}

namespace dpt::test {

void golden_model_predictive(Device dev) {
  const std::string F = "stage_predictive.safetensors";
  auto model = tiny_model(dev);
  Report rep(F, dev);
  PairBatch b = pair_batch(F, dev);
  PredictiveLosses out = predictive_losses(*model, b);
  rep.check("forward", encode_iuv(b.iuv_s), "enc_s", kTolForward);
  rep.check("forward", encode_iuv(b.iuv_t), "enc_t", kTolForward);
  rep.check("forward", out.y_p, "y_p", kTolForward);
  rep.check("loss", out.L1, "L1", kTolForward);
  rep.check("loss", out.loss, "loss", kTolForward);
  out.loss.backward();
  check_grads(rep, *model->pred, "pred.");
}

void golden_model_predictive_traj(Device dev) {  // 3 Adam steps (fresh moments) on one batch: loss before each
  const std::string F = "stage_predictive.safetensors";
  Report rep(F, Device::cpu());  // the trajectory is gathered on the host
  PairBatch b = pair_batch(F, dev);
  {
    auto m = tiny_model(dev);
    AdamState opt(m->pred->parameters());
    std::vector<double> losses;
    for (int s = 0; s < 3; ++s) {
      m->zero_grad();
      PredictiveLosses o = predictive_losses(*m, b);
      REQUIRE(o.loss.device() == dev);
      losses.push_back(o.loss.item());
      o.loss.backward();
      opt.apply(hyper(m->cfg));
    }
    rep.check("traj", Tensor::from_vector(losses, {3}), "traj.loss", kTolTraj);
  }
}

void golden_model_inpainting(Device dev) {
  const std::string F = "stage_inpainting.safetensors";
  auto model = tiny_model(dev);
  Report rep(F, dev);
  ViewBatch b = view_batch(F, dev);
  InpaintingLosses out = inpainting_losses(*model, b);
  rep.check("forward", out.texs[0], "tex_s", kTolForward);
  rep.check("exact", out.Ms[0], "M_s", 0);
  rep.check("forward", out.tex_hat, "tex_hat", kTolForward);
  REQUIRE(out.view_terms.size() == 3);
  for (int k = 0; k < 3; ++k) rep.check("loss", out.view_terms[k], "loss_view" + std::to_string(k), kTolForward);
  rep.check("loss", out.loss, "loss", kTolForward);
  out.loss.backward();
  check_grads(rep, *model->inpaint, "inpaint.");
}

void golden_model_inpainting_traj(Device dev) {
  const std::string F = "stage_inpainting.safetensors";
  Report rep(F, Device::cpu());  // the trajectory is gathered on the host
  ViewBatch b = view_batch(F, dev);
  {
    auto m = tiny_model(dev);
    AdamState opt(m->inpaint->parameters());
    std::vector<double> losses;
    for (int s = 0; s < 3; ++s) {
      m->zero_grad();
      InpaintingLosses o = inpainting_losses(*m, b);
      REQUIRE(o.loss.device() == dev);
      losses.push_back(o.loss.item());
      o.loss.backward();
      opt.apply(hyper(m->cfg));
    }
    rep.check("traj", Tensor::from_vector(losses, {3}), "traj.loss", kTolTraj);
  }
}

void golden_model_blending(Device dev) {
  const std::string F = "stage_blending.safetensors";
  auto model = tiny_model(dev);
  auto vgg = vgg_div16(dev);
  Report rep(F, dev);
  PairBatch b = pair_batch(F, dev);
  BlendingLosses out = blending_losses(*model, *vgg, b);
  const GeneratorOutputs& g = out.g;
  rep.check("forward", g.y_p, "y_p", kTolForward);
  rep.check("forward", g.tex_s, "tex_s", kTolForward);
  rep.check("exact", g.M_s, "M_s", 0);
  rep.check("forward", g.tex_hat, "tex_hat", kTolForward);
  rep.check("forward", g.tex_full, "tex_full", kTolForward);
  rep.check("forward", g.y_w, "y_w", kTolForward);
  rep.check("exact", g.m_w, "m_w", 0);
  rep.check("forward", g.r, "r", kTolForward);
  rep.check("forward", g.y_hat, "y_hat", kTolForward);
  rep.check("forward", out.d_real, "d_real", kTolForward);
  rep.check("forward", out.d_fake, "d_fake", kTolForward);
  for (auto& kv : std::vector<std::pair<const char*, Tensor>>{{"L1", out.L1}, {"Lp", out.Lp}, {"Ls", out.Ls},
                                                              {"L_G", out.L_G}, {"loss_G", out.loss_G},
                                                              {"loss_D", out.loss_D}})
    rep.check("loss", kv.second, kv.first, kTolForward);

  // One forward, two backward passes: loss_G reaches the generator only (D fixed), loss_D only D.
  out.loss_G.backward();
  for (auto& p : model->disc->parameters()) CHECK_MESSAGE(!p.grad().defined(), "loss_G reached D's weights");
  out.loss_D.backward();
  check_grads(rep, *model->pred, "pred.");
  check_grads(rep, *model->inpaint, "inpaint.");
  check_grads(rep, *model->blend, "blend.");
  check_grads(rep, *model->disc, "disc.");
}

// dloss_G.* and each term's d<term>.y_hat, evaluated at the golden activations (debugging aids).
void golden_model_blending_activation_grads(Device dev) {
  const std::string F = "stage_blending.safetensors";
  auto vgg = vgg_div16(dev);
  Report rep(F, dev);
  PairBatch b = pair_batch(F, dev);
  {
    auto m = tiny_model(dev);
    const Config& c = m->cfg;
    const Tensor enc_t = encode_iuv(b.iuv_t);
    const Tensor m_w = golden_on(F, "m_w", dev);
    auto loss_G_of = [&](const Tensor& y_hat) {
      PerceptualStyle ps = perceptual_style_losses(*vgg, y_hat, b.y);
      Tensor L_G = lsgan_g_loss(m->disc_forward(b.x_s, enc_t, y_hat, true));
      return c.lambda_l1 * l1_loss(y_hat, b.y) + c.lambda_p * ps.Lp + c.lambda_s * ps.Ls + c.lambda_gan * L_G;
    };
    auto leaf = [&](const char* name) { return golden_on(F, name, dev).set_requires_grad(true); };
    auto blend_out = [&](const Tensor& y_p, const Tensor& y_w) {
      return y_p + m->blend->forward(cat({y_p, y_w, m_w, enc_t}, 1));
    };
    std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> terms = {
        {"dL1.y_hat", [&](const Tensor& y) { return l1_loss(y, b.y); }},
        {"dLp.y_hat", [&](const Tensor& y) { return perceptual_style_losses(*vgg, y, b.y, false).Lp; }},
        {"dLs.y_hat", [&](const Tensor& y) { return perceptual_style_losses(*vgg, y, b.y).Ls; }},
        {"dL_G.y_hat", [&](const Tensor& y) { return lsgan_g_loss(m->disc_forward(b.x_s, enc_t, y, true)); }},
        {"dloss_G.y_hat", loss_G_of},
    };
    for (auto& t : terms) {
      Tensor y = leaf("y_hat");
      t.second(y).backward();
      rep.check("activation grad", y.grad(), t.first, kTolGrad);
    }
    Tensor y_p = leaf("y_p"), y_w = leaf("y_w");
    loss_G_of(blend_out(y_p, y_w)).backward();
    rep.check("activation grad", y_p.grad(), "dloss_G.y_p", kTolGrad);
    rep.check("activation grad", y_w.grad(), "dloss_G.y_w", kTolGrad);
    Tensor tex_full = leaf("tex_full");
    loss_G_of(blend_out(golden_on(F, "y_p", dev), warp(tex_full, b.iuv_t).y_w)).backward();
    rep.check("activation grad", tex_full.grad(), "dloss_G.tex_full", kTolGrad);
  }
}

// 3 blending steps: one G step + one D step each, both from one forward with the same D weights.
void golden_model_blending_traj(Device dev) {
  const std::string F = "stage_blending.safetensors";
  auto vgg = vgg_div16(dev);
  Report rep(F, Device::cpu());  // the trajectories are gathered on the host
  PairBatch b = pair_batch(F, dev);
  {
    auto m = tiny_model(dev);
    AdamState opt_g(m->generator_parameters()), opt_d(m->disc->parameters());
    std::vector<double> lg, ld;
    for (int s = 0; s < 3; ++s) {
      m->zero_grad();
      BlendingLosses o = blending_losses(*m, *vgg, b);
      REQUIRE(o.loss_G.device() == dev);
      REQUIRE(o.loss_D.device() == dev);
      lg.push_back(o.loss_G.item());
      ld.push_back(o.loss_D.item());
      o.loss_G.backward();
      o.loss_D.backward();
      opt_g.apply(hyper(m->cfg));
      opt_d.apply(hyper(m->cfg));
    }
    rep.check("traj", Tensor::from_vector(lg, {3}), "traj.loss_G", kTolTraj);
    rep.check("traj", Tensor::from_vector(ld, {3}), "traj.loss_D", kTolTraj);
  }
}

void golden_model_vgg19_div16(Device dev) {
  const std::string F = "vgg19_div16_case.safetensors";
  auto vgg = vgg_div16(dev);
  Report rep(F, dev);
  Tensor y_hat = golden_on(F, "y_hat", dev), y = golden_on(F, "y", dev);
  {
    NoGradGuard ng;
    auto fh = vgg->forward(y_hat), fy = vgg->forward(y);
    for (const char* t : kVggTaps) {
      rep.check("features", fh.at(t), std::string("feat_hat.") + t, kTolVggFwd);
      rep.check("features", fy.at(t), std::string("feat.") + t, kTolVggFwd);
    }
  }
  Tensor a = y_hat.clone().set_requires_grad(true);
  PerceptualStyle ps = perceptual_style_losses(*vgg, a, y);
  rep.check("loss", ps.Lp, "Lp", kTolVggFwd);
  rep.check("loss", ps.Ls, "Ls", kTolVggFwd);
  ps.Lp.backward();
  rep.check("grad", a.grad(), "dLp.y_hat", kTolVggGrad);
  Tensor c = y_hat.clone().set_requires_grad(true);
  perceptual_style_losses(*vgg, c, y).Ls.backward();
  rep.check("grad", c.grad(), "dLs.y_hat", kTolVggGrad);
}

}  // namespace dpt::test

TEST_CASE("golden/model/predictive") { golden_model_predictive(Device::cpu()); }
TEST_CASE("golden/model/predictive_traj") { golden_model_predictive_traj(Device::cpu()); }
TEST_CASE("golden/model/inpainting") { golden_model_inpainting(Device::cpu()); }
TEST_CASE("golden/model/inpainting_traj") { golden_model_inpainting_traj(Device::cpu()); }
TEST_CASE("golden/model/blending") { golden_model_blending(Device::cpu()); }
TEST_CASE("golden/model/blending_activation_grads") { golden_model_blending_activation_grads(Device::cpu()); }
TEST_CASE("golden/model/blending_traj") { golden_model_blending_traj(Device::cpu()); }
TEST_CASE("golden/model/vgg19_div16") { golden_model_vgg19_div16(Device::cpu()); }

namespace {
// The README's hash recipe for the full-width VGG19 weights (bit-identical to the reference's).
double hash_uniform(uint64_t k, uint64_t stream) {
  uint32_t h = static_cast<uint32_t>(k + 0x9E3779B9ull * (stream + 1));
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  h *= 0x846ca68bu;
  h ^= h >> 16;
  return (static_cast<double>(h >> 8) - 8388608.0) * std::ldexp(1.0, -23);
}

StateDict vgg19_hash_weights(const Json& exponents, int bias_exponent) {
  const int widths[] = {64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512};
  const int index[] = {0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34};
  StateDict sd;
  int cin = 3;
  for (int l = 0; l < 16; ++l) {
    const int i = index[l], cout = widths[l];
    const int e = static_cast<int>(exponents.at(std::to_string(i)).as_int());
    std::vector<float> w(static_cast<size_t>(cout) * cin * 9), bias(cout);
    for (size_t k = 0; k < w.size(); ++k) w[k] = static_cast<float>(std::ldexp(hash_uniform(k, i), -e));
    for (int k = 0; k < cout; ++k) bias[k] = static_cast<float>(std::ldexp(hash_uniform(k, 1000 + i), -bias_exponent));
    sd["features." + std::to_string(i) + ".weight"] = Tensor::from_vector(w, {cout, cin, 3, 3});
    sd["features." + std::to_string(i) + ".bias"] = Tensor::from_vector(bias, {cout});
    cin = cout;
  }
  return sd;
}
}  // namespace

TEST_CASE("golden/model/vgg19_full_hash") {
  const std::string F = "vgg19_full_hash_case.safetensors";
  const auto& meta = golden_metadata(F);
  Json exps = parse_json(meta.at("weight_exponents"), F);
  int be = meta.count("bias_exponent") ? std::stoi(meta.at("bias_exponent")) : 6;
  auto vgg = VGG19Features::from_state_dict(vgg19_hash_weights(exps, be), "hash weights");
  CHECK(vgg->convs.back().second->weight.shape() == Shape{512, 512, 3, 3});
  Report rep(F, Device::cpu());
  Tensor y_hat = golden(F, "y_hat"), y = golden(F, "y");
  {
    NoGradGuard ng;
    auto fh = vgg->forward(y_hat);
    for (const char* t : {"relu3_2", "relu4_2", "relu5_2"})
      rep.check("features", fh.at(t), std::string("feat_hat.") + t, kTolVggFwd);
  }
  Tensor a = y_hat.clone().set_requires_grad(true);
  PerceptualStyle ps = perceptual_style_losses(*vgg, a, y);
  rep.check("loss", ps.Lp, "Lp", kTolVggFwd);
  rep.check("loss", ps.Ls, "Ls", kTolVggFwd);
  ps.Lp.backward();
  rep.check("grad", a.grad(), "dLp.y_hat", kTolVggGrad);
  Tensor c = y_hat.clone().set_requires_grad(true);
  perceptual_style_losses(*vgg, c, y).Ls.backward();
  rep.check("grad", c.grad(), "dLs.y_hat", kTolVggGrad);
}
