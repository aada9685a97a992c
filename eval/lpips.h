// LPIPS (Zhang et al. 2018, "The Unreasonable Effectiveness of Deep Features as a Perceptual Metric"),
// version 0.1 with the AlexNet trunk -- the LPIPS number of SCA-GAN's table (docs/sca.md section 6) -- for
// dpt-eval --lpips: torchvision's AlexNet features from the engine's ops (conv2d with per-axis stride and
// padding, max pooling) and the LPIPS linear heads, inference only, float32 on the CPU or a CUDA device.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "eval/weights_file.h"
#include "io/image.h"
#include "ops/conv2d.h"

namespace dpt::eval {

// Note [LPIPS weights]
// One safetensors file, converted once on a machine with PyTorch (nothing is downloaded by the engine):
//   alex = torchvision.models.alexnet(weights=torchvision.models.AlexNet_Weights.IMAGENET1K_V1)
//   t = {k: v for k, v in alex.state_dict().items() if k.startswith("features.")}
//   lin = lpips.LPIPS(net="alex", version="0.1").state_dict()
//   t.update({f"lin{i}.model.1.weight": lin[f"lin{i}.model.1.weight"] for i in range(5)})
//   safetensors.torch.save_file({k: v.contiguous() for k, v in t.items()}, "lpips_alex.safetensors")
// Read: features.{0,3,6,8,10}.{weight,bias} (AlexNet's five convolutions, torchvision names) and
// lin{0..4}.model.1.weight [1, C_l, 1, 1] (the lpips package's NetLinLayer: Dropout, then a bias-free 1x1
// conv; C = 64, 192, 384, 256, 256). Anything else is ignored. F32, F64, F16 and BF16 are accepted.

// Note [LPIPS]
// d(x0, x1) for images x in [-1, 1] (bytes / 127.5 - 1, the lpips package's im2tensor):
//  1. scaling layer: x' = (x - shift_c) / scale_c, shift = (-0.030, -0.088, -0.188),
//     scale = (0.458, 0.448, 0.450) (v0.1 applies it);
//  2. AlexNet features: conv 11x11 /4 pad 2 (3 -> 64), ReLU = f1; max pool 3 /2; conv 5x5 pad 2
//     (-> 192), ReLU = f2; max pool 3 /2; conv 3x3 pad 1 (-> 384), ReLU = f3; conv 3x3 pad 1 (-> 256),
//     ReLU = f4; conv 3x3 pad 1 (-> 256), ReLU = f5 (pools floor mode, no padding);
//  3. per layer l and position: unit-normalise the channel vector, n = f / (sqrt(sum_c f^2) + 1e-10);
//  4. d_l = mean over positions of sum_c w_{l,c} (n0_c - n1_c)^2 (w = lin_l's weights; dropout is the
//     identity in eval mode); d = sum_l d_l.
// Steps 3-4 run in float64 on the host. No resizing: the images are used at their own size, which must
// be at least 31x31 (the smallest for which the second pool has an output). Lower is more similar.

constexpr int kLpipsLayers = 5;
constexpr int kLpipsMinSide = 31;
constexpr double kLpipsNormEps = 1e-10;

// Every tensor the metric reads (Note [LPIPS weights]), in network order.
const std::vector<TensorSpec>& lpips_tensors();

struct LpipsDistance {
  double total = 0;                       // d
  std::vector<double> layers;             // d_l, l = 1..5
};

class Lpips {
 public:
  // Reads a safetensors file. Errors name the file and the first missing tensor (with the count of the
  // missing ones), or the first tensor of the wrong shape.
  static Lpips load(const std::string& path);
  // The same from tensors in memory; `source` names them in errors.
  static Lpips from_tensors(const std::map<std::string, Tensor>& tensors, const std::string& source);

  void to(Device device);  // the weights start on the CPU
  Device device() const { return conv_w_[0].device(); }

  // AlexNet's relu1..relu5 outputs of x [N, 3, H, W] float32 in [-1, 1] on the network's device (the
  // scaling layer is applied here), without autograd, on the network's device.
  std::vector<Tensor> features(const Tensor& x) const;
  // LPIPS of each pair (x0[i], x1[i]); x0, x1 [N, 3, H, W] float32 in [-1, 1], H and W >= 31.
  std::vector<LpipsDistance> distance(const Tensor& x0, const Tensor& x1) const;

 private:
  Tensor conv_w_[kLpipsLayers], conv_b_[kLpipsLayers];
  ConvParams conv_p_[kLpipsLayers];
  std::vector<double> lin_[kLpipsLayers];  // the heads' weights, C_l each
};

// An RGB image -> [3, H, W] float32, bytes / 127.5 - 1.
Tensor lpips_input(const Image8& img);

}  // namespace dpt::eval
