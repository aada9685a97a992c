// Inception-v3 for IS / FID (eval/inception.h): the layer table, loading with BatchNorm folding, and the
// forward pass built from the engine's ops (conv2d, relu, pooling, cat, mean, linear, interpolate).
#include "eval/inception.h"

#include <cmath>

#include "core/autograd.h"
#include "core/error.h"
#include "ops/conv2d.h"
#include "ops/elementwise.h"
#include "ops/interpolate.h"
#include "ops/linear.h"
#include "ops/pool2d.h"
#include "ops/reduce.h"

namespace dpt::eval {

namespace {

// One BasicConv2d (conv without bias + BatchNorm + ReLU) of torchvision's Inception3.
struct ConvSpec {
  std::string name;
  int64_t cin, cout, kh, kw;
  int stride, pad_h, pad_w;
};

// The network's convolutions in torchvision's registration (= state_dict) order.
const std::vector<ConvSpec>& conv_specs() {
  static const std::vector<ConvSpec> specs = [] {
    std::vector<ConvSpec> v;
    auto add = [&](const std::string& name, int64_t cin, int64_t cout, int64_t kh, int64_t kw, int stride = 1,
                   int ph = 0, int pw = 0) { v.push_back({name, cin, cout, kh, kw, stride, ph, pw}); };
    add("Conv2d_1a_3x3", 3, 32, 3, 3, 2);
    add("Conv2d_2a_3x3", 32, 32, 3, 3);
    add("Conv2d_2b_3x3", 32, 64, 3, 3, 1, 1, 1);
    add("Conv2d_3b_1x1", 64, 80, 1, 1);
    add("Conv2d_4a_3x3", 80, 192, 3, 3);
    auto block_a = [&](const std::string& p, int64_t cin, int64_t pool_features) {
      add(p + ".branch1x1", cin, 64, 1, 1);
      add(p + ".branch5x5_1", cin, 48, 1, 1);
      add(p + ".branch5x5_2", 48, 64, 5, 5, 1, 2, 2);
      add(p + ".branch3x3dbl_1", cin, 64, 1, 1);
      add(p + ".branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1);
      add(p + ".branch3x3dbl_3", 96, 96, 3, 3, 1, 1, 1);
      add(p + ".branch_pool", cin, pool_features, 1, 1);
    };
    block_a("Mixed_5b", 192, 32);
    block_a("Mixed_5c", 256, 64);
    block_a("Mixed_5d", 288, 64);
    add("Mixed_6a.branch3x3", 288, 384, 3, 3, 2);  // block B
    add("Mixed_6a.branch3x3dbl_1", 288, 64, 1, 1);
    add("Mixed_6a.branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1);
    add("Mixed_6a.branch3x3dbl_3", 96, 96, 3, 3, 2);
    auto block_c = [&](const std::string& p, int64_t c7) {
      add(p + ".branch1x1", 768, 192, 1, 1);
      add(p + ".branch7x7_1", 768, c7, 1, 1);
      add(p + ".branch7x7_2", c7, c7, 1, 7, 1, 0, 3);
      add(p + ".branch7x7_3", c7, 192, 7, 1, 1, 3, 0);
      add(p + ".branch7x7dbl_1", 768, c7, 1, 1);
      add(p + ".branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0);
      add(p + ".branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3);
      add(p + ".branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0);
      add(p + ".branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3);
      add(p + ".branch_pool", 768, 192, 1, 1);
    };
    block_c("Mixed_6b", 128);
    block_c("Mixed_6c", 160);
    block_c("Mixed_6d", 160);
    block_c("Mixed_6e", 192);
    add("Mixed_7a.branch3x3_1", 768, 192, 1, 1);  // block D
    add("Mixed_7a.branch3x3_2", 192, 320, 3, 3, 2);
    add("Mixed_7a.branch7x7x3_1", 768, 192, 1, 1);
    add("Mixed_7a.branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3);
    add("Mixed_7a.branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0);
    add("Mixed_7a.branch7x7x3_4", 192, 192, 3, 3, 2);
    auto block_e = [&](const std::string& p, int64_t cin) {
      add(p + ".branch1x1", cin, 320, 1, 1);
      add(p + ".branch3x3_1", cin, 384, 1, 1);
      add(p + ".branch3x3_2a", 384, 384, 1, 3, 1, 0, 1);
      add(p + ".branch3x3_2b", 384, 384, 3, 1, 1, 1, 0);
      add(p + ".branch3x3dbl_1", cin, 448, 1, 1);
      add(p + ".branch3x3dbl_2", 448, 384, 3, 3, 1, 1, 1);
      add(p + ".branch3x3dbl_3a", 384, 384, 1, 3, 1, 0, 1);
      add(p + ".branch3x3dbl_3b", 384, 384, 3, 1, 1, 1, 0);
      add(p + ".branch_pool", cin, 192, 1, 1);
    };
    block_e("Mixed_7b", 1280);
    block_e("Mixed_7c", 2048);
    return v;
  }();
  return specs;
}

const char* const kBnParts[] = {"weight", "bias", "running_mean", "running_var"};

const WeightCheck& inception_check() {
  static const WeightCheck check = [] {
    WeightCheck c;
    c.net = "Inception-v3";
    c.expected = "torchvision inception_v3 state_dict names (Conv2d_1a_3x3.conv.weight, ..., fc.bias)";
    c.origin = "torchvision inception_v3";
    c.missing_hint = [](const WeightSource& src) -> std::string {
      const std::string first = inception_v3_tensors()[0].name;
      for (const auto& n : src.names)
        if (n.size() > first.size() && n.compare(n.size() - first.size(), first.size(), first) == 0)
          return "; the file has '" + n + "': strip the prefix '" + n.substr(0, n.size() - first.size()) + "'";
      return "";
    };
    c.shape_hint = [](const TensorSpec& s, const Shape& got) -> std::string {
      if (s.name == "fc.weight" && got.size() == 2 && got[0] == 1008)
        return "; 1008 classes is the TF-ported FID Inception of pytorch-fid, whose blocks differ: use "
               "torchvision's ImageNet inception_v3 weights";
      return "";
    };
    return c;
  }();
  return check;
}

// Folds eval-mode BatchNorm into the bias-free conv before it (Note [Inception weights]).
void fold_bn(const Tensor& w_in, const Tensor& g, const Tensor& beta, const Tensor& mean, const Tensor& var,
             const std::string& name, Tensor& w_out, Tensor& b_out) {
  const std::vector<double> w = w_in.to_vector(), gv = g.to_vector(), bv = beta.to_vector(), mv = mean.to_vector(),
                            vv = var.to_vector();
  const int64_t cout = w_in.size(0), per = w_in.numel() / cout;
  w_out = Tensor::empty(w_in.shape());
  b_out = Tensor::empty({cout});
  float* pw = w_out.data<float>();
  float* pb = b_out.data<float>();
  for (int64_t k = 0; k < cout; ++k) {
    DPT_CHECK(vv[k] + kInceptionBnEps > 0, "Inception-v3: " << name << ".bn.running_var[" << k << "] = " << vv[k]
                                                              << " is not a variance");
    const double scale = gv[k] / std::sqrt(vv[k] + kInceptionBnEps);
    for (int64_t i = 0; i < per; ++i) pw[k * per + i] = static_cast<float>(w[k * per + i] * scale);
    pb[k] = static_cast<float>(bv[k] - mv[k] * scale);
  }
}

}  // namespace

const std::vector<TensorSpec>& inception_v3_tensors() {
  static const std::vector<TensorSpec> specs = [] {
    std::vector<TensorSpec> v;
    for (const auto& c : conv_specs()) {
      v.push_back({c.name + ".conv.weight", {c.cout, c.cin, c.kh, c.kw}});
      for (const char* part : kBnParts) v.push_back({c.name + ".bn." + part, {c.cout}});
    }
    v.push_back({"fc.weight", {kInceptionClasses, kInceptionFeatures}});
    v.push_back({"fc.bias", {kInceptionClasses}});
    return v;
  }();
  return specs;
}

InceptionV3 InceptionV3::load(const std::string& path) {
  std::string what;
  const std::map<std::string, Tensor> tensors = read_weights(path, inception_v3_tensors(), inception_check(), what);
  return from_tensors(tensors, what);
}

InceptionV3 InceptionV3::from_tensors(const std::map<std::string, Tensor>& tensors, const std::string& source) {
  validate_weights(weight_source(tensors, source), inception_v3_tensors(), inception_check());
  auto get = [&](const std::string& n) { return tensors.at(n); };
  InceptionV3 net;
  for (const auto& c : conv_specs()) {
    const std::string& p = c.name;
    Conv layer;
    fold_bn(get(p + ".conv.weight"), get(p + ".bn.weight"), get(p + ".bn.bias"), get(p + ".bn.running_mean"),
            get(p + ".bn.running_var"), p, layer.w, layer.b);
    layer.params.stride = c.stride;
    layer.params.padding = Hw(c.pad_h, c.pad_w);
    net.convs_[p] = layer;
  }
  net.fc_w_ = get("fc.weight").to(DType::F32).contiguous();
  net.fc_b_ = get("fc.bias").to(DType::F32).contiguous();
  return net;
}

Tensor InceptionV3::conv(const std::string& name, const Tensor& x) const {
  const auto it = convs_.find(name);
  DPT_CHECK(it != convs_.end(), "Inception-v3: no convolution named '" << name << "'");
  const Conv& c = it->second;
  return relu(conv2d(x, c.w, c.b, c.params));  // 3x3, 1x7, 7x1, 1x3, 3x1, ...
}

void InceptionV3::to(Device device) {
  for (auto& [name, c] : convs_) {
    c.w = c.w.to(device);
    c.b = c.b.to(device);
  }
  fc_w_ = fc_w_.to(device);
  fc_b_ = fc_b_.to(device);
}

namespace {
// torchvision's pools: F.max_pool2d(x, 3, stride=2) and F.avg_pool2d(x, 3, stride=1, padding=1)
// (count_include_pad=True, ops/pool2d.h).
Tensor max_pool3x3_s2(const Tensor& x) { return max_pool2d(x, PoolParams{3, 2, 0}); }
Tensor avg_pool3x3_s1_p1(const Tensor& x) { return avg_pool2d(x, PoolParams{3, 1, 1}); }
}  // namespace

// torchvision's InceptionA: 1x1 | 1x1 -> 5x5 | 1x1 -> 3x3 -> 3x3 | avg pool -> 1x1.
Tensor InceptionV3::block_a(const std::string& p, const Tensor& x) const {
  const Tensor b1 = conv(p + ".branch1x1", x);
  const Tensor b5 = conv(p + ".branch5x5_2", conv(p + ".branch5x5_1", x));
  const Tensor b3 = conv(p + ".branch3x3dbl_3", conv(p + ".branch3x3dbl_2", conv(p + ".branch3x3dbl_1", x)));
  const Tensor bp = conv(p + ".branch_pool", avg_pool3x3_s1_p1(x));
  return cat({b1, b5, b3, bp}, 1);
}

// InceptionB (grid reduction 35 -> 17): 3x3/2 | 1x1 -> 3x3 -> 3x3/2 | max pool 3x3/2.
Tensor InceptionV3::block_b(const std::string& p, const Tensor& x) const {
  const Tensor b3 = conv(p + ".branch3x3", x);
  const Tensor bd = conv(p + ".branch3x3dbl_3", conv(p + ".branch3x3dbl_2", conv(p + ".branch3x3dbl_1", x)));
  return cat({b3, bd, max_pool3x3_s2(x)}, 1);
}

// InceptionC (factorised 7x7): 1x1 | 1x1 -> 1x7 -> 7x1 | 1x1 -> 7x1 -> 1x7 -> 7x1 -> 1x7 | avg pool -> 1x1.
Tensor InceptionV3::block_c(const std::string& p, const Tensor& x) const {
  const Tensor b1 = conv(p + ".branch1x1", x);
  Tensor b7 = conv(p + ".branch7x7_1", x);
  b7 = conv(p + ".branch7x7_3", conv(p + ".branch7x7_2", b7));
  Tensor bd = conv(p + ".branch7x7dbl_1", x);
  for (const char* s : {".branch7x7dbl_2", ".branch7x7dbl_3", ".branch7x7dbl_4", ".branch7x7dbl_5"})
    bd = conv(p + s, bd);
  const Tensor bp = conv(p + ".branch_pool", avg_pool3x3_s1_p1(x));
  return cat({b1, b7, bd, bp}, 1);
}

// InceptionD (grid reduction 17 -> 8): 1x1 -> 3x3/2 | 1x1 -> 1x7 -> 7x1 -> 3x3/2 | max pool 3x3/2.
Tensor InceptionV3::block_d(const std::string& p, const Tensor& x) const {
  const Tensor b3 = conv(p + ".branch3x3_2", conv(p + ".branch3x3_1", x));
  Tensor b7 = conv(p + ".branch7x7x3_1", x);
  for (const char* s : {".branch7x7x3_2", ".branch7x7x3_3", ".branch7x7x3_4"}) b7 = conv(p + s, b7);
  return cat({b3, b7, max_pool3x3_s2(x)}, 1);
}

// InceptionE (expanded filter bank): 1x1 | 1x1 -> (1x3, 3x1) | 1x1 -> 3x3 -> (1x3, 3x1) | avg pool -> 1x1.
Tensor InceptionV3::block_e(const std::string& p, const Tensor& x) const {
  const Tensor b1 = conv(p + ".branch1x1", x);
  const Tensor t3 = conv(p + ".branch3x3_1", x);
  const Tensor b3 = cat({conv(p + ".branch3x3_2a", t3), conv(p + ".branch3x3_2b", t3)}, 1);
  const Tensor td = conv(p + ".branch3x3dbl_2", conv(p + ".branch3x3dbl_1", x));
  const Tensor bd = cat({conv(p + ".branch3x3dbl_3a", td), conv(p + ".branch3x3dbl_3b", td)}, 1);
  const Tensor bp = conv(p + ".branch_pool", avg_pool3x3_s1_p1(x));
  return cat({b1, b3, bd, bp}, 1);
}

InceptionOutput InceptionV3::forward(const Tensor& x_in) const {
  check_image_batch(x_in, device(), "Inception-v3");
  // The smallest input for which every stage has an output (torchvision's documented minimum).
  DPT_CHECK(x_in.size(2) >= 75 && x_in.size(3) >= 75,
            "Inception-v3: input " << x_in.shape_str() << " is smaller than 75x75 (the metrics use 299x299)");
  NoGradGuard no_grad;
  Tensor x = conv("Conv2d_1a_3x3", x_in.contiguous());  // [N, 32, 149, 149] at 299x299
  x = conv("Conv2d_2a_3x3", x);                         // [N, 32, 147, 147]
  x = conv("Conv2d_2b_3x3", x);                         // [N, 64, 147, 147]
  x = max_pool3x3_s2(x);                                // [N, 64, 73, 73]
  x = conv("Conv2d_3b_1x1", x);                         // [N, 80, 73, 73]
  x = conv("Conv2d_4a_3x3", x);                         // [N, 192, 71, 71]
  x = max_pool3x3_s2(x);                                // [N, 192, 35, 35]
  x = block_a("Mixed_5b", x);                           // [N, 256, 35, 35]
  x = block_a("Mixed_5c", x);                           // [N, 288, 35, 35]
  x = block_a("Mixed_5d", x);                           // [N, 288, 35, 35]
  x = block_b("Mixed_6a", x);                           // [N, 768, 17, 17]
  for (const char* b : {"Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"}) x = block_c(b, x);
  x = block_d("Mixed_7a", x);                           // [N, 1280, 8, 8]
  x = block_e("Mixed_7b", x);                           // [N, 2048, 8, 8]
  x = block_e("Mixed_7c", x);                           // [N, 2048, 8, 8]
  InceptionOutput out;
  out.pool = mean(x.reshape({x.size(0), x.size(1), x.size(2) * x.size(3)}), 2);  // [N, 2048]: adaptive avg pool
  out.logits = linear(out.pool, fc_w_, fc_b_);          // [N, 1000] (dropout is the identity in eval mode)
  return out;
}

Tensor inception_input(const Image8& img) {
  DPT_CHECK(img.channels == 3 && img.height >= 1 && img.width >= 1 &&
                img.pixels.size() == static_cast<size_t>(img.height) * img.width * 3,
            "Inception input: expected an RGB image, got " << img.height << "x" << img.width << "x" << img.channels);
  const int64_t H = img.height, W = img.width, HW = H * W;
  Tensor chw = Tensor::empty({3, H, W});
  float* p = chw.data<float>();
  for (int64_t i = 0; i < HW; ++i)
    for (int64_t c = 0; c < 3; ++c) p[c * HW + i] = static_cast<float>(img.pixels[i * 3 + c] / 255.0);
  Tensor x = interpolate(chw.reshape({1, 3, H, W}), kInceptionSize, kInceptionSize, InterpMode::Bilinear)
                 .reshape({3, kInceptionSize, kInceptionSize});
  float* q = x.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) q[i] = 2.0f * q[i] - 1.0f;
  return x;
}

}  // namespace dpt::eval
