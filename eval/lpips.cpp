// LPIPS v0.1 / AlexNet (eval/lpips.h): the weight table, loading, the AlexNet trunk from the engine's ops
// and the distance (Note [LPIPS]).
#include "eval/lpips.h"

#include <cmath>
#include <iterator>

#include "core/autograd.h"
#include "core/error.h"
#include "ops/elementwise.h"
#include "ops/pool2d.h"

namespace dpt::eval {

namespace {

// AlexNet's convolutions: torchvision index in `features`, channels, kernel, stride, padding.
struct AlexConv {
  int index;
  int64_t cin, cout, k;
  int stride, pad;
};
constexpr AlexConv kAlexConvs[kLpipsLayers] = {
    {0, 3, 64, 11, 4, 2}, {3, 64, 192, 5, 1, 2}, {6, 192, 384, 3, 1, 1}, {8, 384, 256, 3, 1, 1}, {10, 256, 256, 3, 1, 1}};
constexpr float kShift[3] = {-0.030f, -0.088f, -0.188f};
constexpr float kScale[3] = {0.458f, 0.448f, 0.450f};

std::string conv_name(int l, const char* part) {
  return "features." + std::to_string(kAlexConvs[l].index) + "." + part;
}
std::string lin_name(int l) { return "lin" + std::to_string(l) + ".model.1.weight"; }

const WeightCheck& lpips_check() {
  static const WeightCheck check = [] {
    WeightCheck c;
    c.net = "LPIPS";
    c.expected =
        "torchvision alexnet names features.{0,3,6,8,10}.{weight,bias} and the lpips package's "
        "lin{0..4}.model.1.weight (see dpt-eval --help)";
    c.origin = "torchvision alexnet + LPIPS v0.1 heads";
    c.missing_hint = [](const WeightSource& src) -> std::string {
      for (const auto& n : src.names)
        if (n.rfind("net.slice", 0) == 0 || n.rfind("lins.", 0) == 0)
          return "; the file holds the lpips package's own names ('" + n +
                 "'): save AlexNet from torchvision and only lin0..lin4 from lpips";
      return "";
    };
    return c;
  }();
  return check;
}

}  // namespace

const std::vector<TensorSpec>& lpips_tensors() {
  static const std::vector<TensorSpec> specs = [] {
    std::vector<TensorSpec> v;
    for (int l = 0; l < kLpipsLayers; ++l) {
      const AlexConv& c = kAlexConvs[l];
      v.push_back({conv_name(l, "weight"), {c.cout, c.cin, c.k, c.k}});
      v.push_back({conv_name(l, "bias"), {c.cout}});
    }
    for (int l = 0; l < kLpipsLayers; ++l) v.push_back({lin_name(l), {1, kAlexConvs[l].cout, 1, 1}});
    return v;
  }();
  return specs;
}

Lpips Lpips::load(const std::string& path) {
  std::string what;
  const std::map<std::string, Tensor> tensors = read_weights(path, lpips_tensors(), lpips_check(), what);
  return from_tensors(tensors, what);
}

Lpips Lpips::from_tensors(const std::map<std::string, Tensor>& tensors, const std::string& source) {
  validate_weights(weight_source(tensors, source), lpips_tensors(), lpips_check());
  Lpips net;
  for (int l = 0; l < kLpipsLayers; ++l) {
    net.conv_w_[l] = tensors.at(conv_name(l, "weight")).to(DType::F32).contiguous();
    net.conv_b_[l] = tensors.at(conv_name(l, "bias")).to(DType::F32).contiguous();
    net.conv_p_[l].stride = kAlexConvs[l].stride;
    net.conv_p_[l].padding = kAlexConvs[l].pad;
    net.lin_[l] = tensors.at(lin_name(l)).to(DType::F64).to_vector();
  }
  return net;
}

void Lpips::to(Device device) {
  for (int l = 0; l < kLpipsLayers; ++l) {
    conv_w_[l] = conv_w_[l].to(device);
    conv_b_[l] = conv_b_[l].to(device);
  }
}

std::vector<Tensor> Lpips::features(const Tensor& x_in) const {
  check_image_batch(x_in, device(), "LPIPS");
  DPT_CHECK(x_in.size(2) >= kLpipsMinSide && x_in.size(3) >= kLpipsMinSide,
            "LPIPS: image " << x_in.size(2) << "x" << x_in.size(3) << " is smaller than " << kLpipsMinSide << "x"
                            << kLpipsMinSide << " (AlexNet's second pool needs it)");
  NoGradGuard no_grad;
  // Scaling layer: (x - shift_c) / scale_c, in float32 like the lpips package.
  const std::vector<float> shift(std::begin(kShift), std::end(kShift)), scale(std::begin(kScale), std::end(kScale));
  Tensor x = div(sub(x_in.contiguous(), Tensor::from_vector(shift, {1, 3, 1, 1}).to(device())),
                 Tensor::from_vector(scale, {1, 3, 1, 1}).to(device()));
  std::vector<Tensor> out;
  for (int l = 0; l < kLpipsLayers; ++l) {
    if (l == 1 || l == 2) x = max_pool2d(x, PoolParams{3, 2, 0});
    x = relu(conv2d(x, conv_w_[l], conv_b_[l], conv_p_[l]));
    out.push_back(x);
  }
  return out;
}

std::vector<LpipsDistance> Lpips::distance(const Tensor& x0, const Tensor& x1) const {
  DPT_CHECK(x0.defined() && x1.defined() && x0.shape() == x1.shape(),
            "LPIPS: the two batches differ: " << (x0.defined() ? x0.shape_str() : "undefined") << " vs "
                                              << (x1.defined() ? x1.shape_str() : "undefined"));
  const std::vector<Tensor> f0 = features(x0), f1 = features(x1);
  const int64_t n = x0.size(0);
  std::vector<LpipsDistance> d(static_cast<size_t>(n));
  for (int l = 0; l < kLpipsLayers; ++l) {
    const std::vector<double> a = f0[l].to(Device::cpu()).to_vector(), b = f1[l].to(Device::cpu()).to_vector();
    const int64_t C = f0[l].size(1), P = f0[l].size(2) * f0[l].size(3);
    const std::vector<double>& w = lin_[l];
    for (int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int64_t p = 0; p < P; ++p) {
        const double* pa = &a[static_cast<size_t>(i * C * P + p)];
        const double* pb = &b[static_cast<size_t>(i * C * P + p)];
        double na = 0, nb = 0;
        for (int64_t c = 0; c < C; ++c) {
          na += pa[c * P] * pa[c * P];
          nb += pb[c * P] * pb[c * P];
        }
        na = std::sqrt(na) + kLpipsNormEps;
        nb = std::sqrt(nb) + kLpipsNormEps;
        double acc = 0;
        for (int64_t c = 0; c < C; ++c) {
          const double diff = pa[c * P] / na - pb[c * P] / nb;
          acc += w[static_cast<size_t>(c)] * diff * diff;
        }
        sum += acc;
      }
      const double dl = sum / static_cast<double>(P);
      d[static_cast<size_t>(i)].layers.push_back(dl);
      d[static_cast<size_t>(i)].total += dl;
    }
  }
  return d;
}

Tensor lpips_input(const Image8& img) {
  DPT_CHECK(img.channels == 3 && img.height >= 1 && img.width >= 1 &&
                img.pixels.size() == static_cast<size_t>(img.height) * img.width * 3,
            "LPIPS input: expected an RGB image, got " << img.height << "x" << img.width << "x" << img.channels);
  const int64_t HW = static_cast<int64_t>(img.height) * img.width;
  Tensor t = Tensor::empty({3, img.height, img.width});
  float* p = t.data<float>();
  for (int64_t i = 0; i < HW; ++i)
    for (int64_t c = 0; c < 3; ++c) p[c * HW + i] = static_cast<float>(img.pixels[i * 3 + c] / 127.5 - 1.0);
  return t;
}

}  // namespace dpt::eval
