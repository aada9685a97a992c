// VGG19 feature extractor for the perceptual and style losses (docs/dpt.md sections 4.5 and 5): torchvision's
// vgg19().features layout and names (features.{i}.weight/bias), fixed weights from a safetensors file.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "layers/layers.h"

namespace dpt {

// Taps (torchvision indices of the ReLU outputs); features stop after relu5_2.
extern const char* const kVggTaps[5];            // relu1_2, relu2_2, relu3_2, relu4_2, relu5_2
extern const char* const kPerceptualLayers[5];   // Lp: all five taps
extern const char* const kStyleLayers[4];        // Ls: relu1_2 .. relu4_2

class VGG19Features : public Module {
 public:
  // Convs of features.{0,2,5,7,10,12,14,16,19,21,23,25,28,30} (those up to relu5_2) with the widths read
  // from the weights' shapes (so reduced-width test files work). Keys other than features.* (e.g. a
  // whole vgg19 state dict's classifier.*) and the unused features.32/34 are ignored; a missing conv or
  // an inconsistent shape is an error naming `what`. Parameters do not require grad.
  static std::unique_ptr<VGG19Features> from_state_dict(const StateDict& sd, const std::string& what = "VGG19 weights");
  static std::unique_ptr<VGG19Features> from_file(const std::string& path);
  // Random features on purpose (no pretrained weights): torchvision's topology with every width divided
  // by width_div, PyTorch's default conv init from gen.
  static std::unique_ptr<VGG19Features> random(int64_t width_div, Generator& gen);

  // y [N, 3, H, W] in [-1, 1] -> {tap: feature map}; the input is normalised as ((y+1)/2 - mean)/std
  // with ImageNet's mean/std. Differentiable w.r.t. y.
  std::map<std::string, Tensor> forward(const Tensor& y) const;
  // The same, stopping after `last_tap` (one of kVggTaps; every tap up to it is returned). normalise =
  // false feeds y as it is (SCA-GAN's cx_preprocess "none").
  std::map<std::string, Tensor> forward_to(const Tensor& y, const std::string& last_tap, bool normalise = true) const;

  // conv index i (0, 2, 5, ...) -> layer, in network order.
  std::vector<std::pair<int, std::unique_ptr<Conv2d>>> convs;

  // With the graph on, run the forward as checkpointed segments, one per tap (input -> relu1_2,
  // relu1_2 -> relu2_2, ...; Note [recompute] in core/recompute.h): only the taps (which the losses hold
  // anyway) are kept for backward, the layers between them are computed again there. Same numbers
  // bitwise, one more forward pass; the object must outlive the backward pass.
  bool recompute = false;

 private:
  VGG19Features() = default;
};

struct PerceptualStyle {
  Tensor Lp;  // sum_v mean((phi_v(y_hat) - phi_v(y))^2) over kPerceptualLayers
  Tensor Ls;  // sum_v ||Gram_v(y_hat) - Gram_v(y)||_F^2 / N over kStyleLayers (undefined if not asked)
};
// The target's features are computed without grad (y is a constant); gradients flow to y_hat.
PerceptualStyle perceptual_style_losses(const VGG19Features& vgg, const Tensor& y_hat, const Tensor& y,
                                        bool with_style = true);

}  // namespace dpt
