// VGG19 features (torchvision layout) and the perceptual / style losses (docs/dpt.md sections 4.5 and 5).
#include "models/vgg.h"

#include <iterator>

#include "core/autograd.h"
#include "core/recompute.h"
#include "io/safetensors.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/pool2d.h"

namespace dpt {

const char* const kVggTaps[5] = {"relu1_2", "relu2_2", "relu3_2", "relu4_2", "relu5_2"};
const char* const kPerceptualLayers[5] = {"relu1_2", "relu2_2", "relu3_2", "relu4_2", "relu5_2"};
const char* const kStyleLayers[4] = {"relu1_2", "relu2_2", "relu3_2", "relu4_2"};

namespace {
// torchvision vgg19().features up to relu5_2 (index 31): a conv at index i is followed by its ReLU at
// i + 1; 'pool' entries are MaxPool2d(2, 2).
struct VggStep {
  int index;      // torchvision index of the conv (or the pool)
  bool pool;
  const char* tap;  // name of the ReLU output after this conv, or nullptr
};
const VggStep kSteps[] = {
    {0, false, nullptr},  {2, false, "relu1_2"}, {4, true, nullptr},    {5, false, nullptr},
    {7, false, "relu2_2"}, {9, true, nullptr},   {10, false, nullptr},  {12, false, "relu3_2"},
    {14, false, nullptr}, {16, false, nullptr},  {18, true, nullptr},   {19, false, nullptr},
    {21, false, "relu4_2"}, {23, false, nullptr}, {25, false, nullptr}, {27, true, nullptr},
    {28, false, nullptr}, {30, false, "relu5_2"},
};
const double kMean[3] = {0.485, 0.456, 0.406};
const double kStd[3] = {0.229, 0.224, 0.225};
}  // namespace

std::unique_ptr<VGG19Features> VGG19Features::from_state_dict(const StateDict& sd, const std::string& what) {
  std::unique_ptr<VGG19Features> vgg(new VGG19Features());
  int64_t cin = 3;
  StateDict used;
  for (const VggStep& s : kSteps) {
    if (s.pool) continue;
    const std::string w = "features." + std::to_string(s.index) + ".weight";
    const std::string b = "features." + std::to_string(s.index) + ".bias";
    auto wi = sd.find(w), bi = sd.find(b);
    DPT_CHECK(wi != sd.end() && bi != sd.end(), what << ": VGG19 parameter " << (wi == sd.end() ? w : b)
                                                     << " is missing (torchvision vgg19().features names expected)");
    const Shape& ws = wi->second.shape();
    DPT_CHECK(ws.size() == 4 && ws[1] == cin && ws[2] == 3 && ws[3] == 3 && ws[0] > 0,
              what << ": " << w << " must be [out, " << cin << ", 3, 3], got " << shape_str(ws));
    DPT_CHECK(bi->second.shape() == Shape{ws[0]},
              what << ": " << b << " must be [" << ws[0] << "], got " << bi->second.shape_str());
    auto conv = std::make_unique<Conv2d>(cin, ws[0], 3, 1, 1, uninitialized());  // loaded below
    vgg->register_module("features." + std::to_string(s.index), conv.get());
    vgg->convs.emplace_back(s.index, std::move(conv));
    used[w] = wi->second;
    used[b] = bi->second;
    cin = ws[0];
  }
  vgg->load_state_dict(used, what);
  vgg->set_requires_grad(false);
  return vgg;
}

std::unique_ptr<VGG19Features> VGG19Features::from_file(const std::string& path) {
  SafetensorsFile f = SafetensorsFile::read(path);
  StateDict sd;
  for (const std::string& n : f.names())
    if (n.rfind("features.", 0) == 0) sd[n] = f.tensor(n).to(DType::F32);
  return from_state_dict(sd, path);
}

std::unique_ptr<VGG19Features> VGG19Features::random(int64_t width_div, Generator& gen) {
  DPT_CHECK(width_div >= 1 && 64 % width_div == 0, "random VGG19: width_div must divide 64, got " << width_div);
  StateDict sd;
  // features.{i}: widths of torchvision's vgg19 up to relu5_2; 0 marks a max-pool (one index, no weights).
  const int64_t widths[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512};
  int64_t cin = 3, idx = 0;
  for (int64_t w : widths) {
    if (w == 0) {
      ++idx;
      continue;
    }
    w /= width_div;
    Tensor wt = Tensor::empty({w, cin, 3, 3}), b = Tensor::empty({w});
    default_init_(wt, cin * 9, gen);
    default_init_(b, cin * 9, gen);
    sd["features." + std::to_string(idx) + ".weight"] = wt;
    sd["features." + std::to_string(idx) + ".bias"] = b;
    cin = w;
    idx += 2;
  }
  return from_state_dict(sd, "random VGG19");
}

std::map<std::string, Tensor> VGG19Features::forward(const Tensor& y) const { return forward_to(y, "relu5_2"); }

std::map<std::string, Tensor> VGG19Features::forward_to(const Tensor& y, const std::string& last_tap,
                                                        bool normalise) const {
  DPT_CHECK(y.dim() == 4 && y.size(1) == 3, "VGG19Features: input must be [N, 3, H, W], got " << y.shape_str());
  bool known = false;
  for (const char* t : kVggTaps) known = known || last_tap == t;
  DPT_CHECK(known, "VGG19Features: unknown tap '" << last_tap << "' (relu1_2, relu2_2, relu3_2, relu4_2, relu5_2)");
  const DType dt = y.dtype();
  std::vector<double> scale(3), shift(3);
  for (int c = 0; c < 3; ++c) {  // ((y + 1)/2 - mean)/std = y * (0.5/std) + (0.5 - mean)/std
    scale[c] = 0.5 / kStd[c];
    shift[c] = (0.5 - kMean[c]) / kStd[c];
  }
  Tensor a = Tensor::from_vector(scale, {1, 3, 1, 1}).to(dt).to(y.device());
  Tensor b = Tensor::from_vector(shift, {1, 3, 1, 1}).to(dt).to(y.device());
  // The layers kSteps[first, last) on x; the first segment also normalises.
  auto run_steps = [this, a, b, normalise](Tensor x, size_t first, size_t last) {
    if (first == 0 && normalise) x = x * a + b;
    size_t ci = 0;  // the conv of step `first`: the convs before it
    for (size_t i = 0; i < first; ++i) ci += kSteps[i].pool ? 0 : 1;
    for (size_t i = first; i < last; ++i) {
      if (kSteps[i].pool) x = max_pool2d_2x2(x);
      else x = relu(convs[ci++].second->forward(x));
    }
    return x;
  };
  const bool segments = recompute && grad_enabled();
  std::map<std::string, Tensor> feats;
  Tensor x = y;
  size_t first = 0;  // the segment's first step
  for (size_t i = 0; i < std::size(kSteps); ++i) {
    const VggStep& s = kSteps[i];
    if (!s.tap) continue;
    if (segments) {
      const SegmentFn seg = [run_steps, first, last = i + 1](std::vector<Tensor> in) {
        return run_steps(std::move(in[0]), first, last);
      };
      x = checkpoint(s.tap, seg, {x}, {});  // the weights are fixed: no parameter gradients
    } else {
      x = run_steps(x, first, i + 1);
    }
    first = i + 1;
    feats[s.tap] = x;
    if (last_tap == s.tap) break;
  }
  return feats;
}

PerceptualStyle perceptual_style_losses(const VGG19Features& vgg, const Tensor& y_hat, const Tensor& y,
                                        bool with_style) {
  DPT_CHECK(y_hat.shape() == y.shape(), "perceptual_style_losses: y_hat " << y_hat.shape_str() << " and y "
                                                                          << y.shape_str() << " differ");
  std::map<std::string, Tensor> fh = vgg.forward(y_hat), fy;
  {
    NoGradGuard ng;
    fy = vgg.forward(y.detach());
  }
  PerceptualStyle out;
  for (const char* v : kPerceptualLayers) {
    Tensor t = mse_loss(fh.at(v), fy.at(v));
    out.Lp = out.Lp.defined() ? out.Lp + t : t;
  }
  if (with_style)
    for (const char* v : kStyleLayers) {
      Tensor t = style_term(fh.at(v), fy.at(v));
      out.Ls = out.Ls.defined() ? out.Ls + t : t;
    }
  return out;
}

}  // namespace dpt
