// Inception-v3 with torchvision's layout and weight names, for the Inception Score and FID of dpt-eval:
// inference only, float32 on the CPU or a CUDA device, built from the engine's ops (conv2d with per-axis
// kernels, max/avg pooling, interpolate), each eval-mode BatchNorm folded into its convolution at load time.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "eval/weights_file.h"
#include "io/image.h"
#include "ops/conv2d.h"

namespace dpt::eval {

// Note [Inception weights]
// The weights are torchvision's `inception_v3` state_dict saved as safetensors, e.g.
//   m = torchvision.models.inception_v3(weights="IMAGENET1K_V1")
//   safetensors.torch.save_file({k: v.contiguous() for k, v in m.state_dict().items()}, "inception.safetensors")
// Read: for every BasicConv2d `P` (Conv2d_1a_3x3, ..., Mixed_7c.branch_pool) P.conv.weight [Cout, Cin, kh, kw]
// and P.bn.{weight, bias, running_mean, running_var} [Cout]; then fc.weight [1000, 2048] and fc.bias [1000].
// Anything else (AuxLogits.*, *.num_batches_tracked) is ignored. F32, F64, F16 and BF16 are accepted.
// BatchNorm (eps 0.001, eval mode) is folded: w' = w * g / sqrt(v + eps) per output channel,
// b' = beta - m * g / sqrt(v + eps), so each BasicConv2d is relu(conv(x, w') + b').
// The network is torchvision's Inception3 in eval mode with transform_input=False: avg_pool2d(3, 1, 1)
// with count_include_pad=True in blocks A, C and E, max pool in B and D, no aux head, dropout a no-op.
// (pytorch-fid's TF-ported "FID Inception" differs in its pooling and has 1008 classes: not this network.)

// Note [Inception input]
// An RGB image becomes x = 2 * bilinear_299x299(bytes / 255) - 1, i.e. [-1, 1] (resize: ops/interpolate.h,
// Note [interpolate], F.interpolate(align_corners=False, antialias=False), as pytorch-fid does: no
// low-pass filter when downscaling).
// This is what torchvision's ImageNet weights see: inception_v3(weights=IMAGENET1K_V1) turns on
// transform_input, which maps the ImageNet mean/std-normalised input back to (x - 0.5) / 0.5 before the
// first conv. So the network here (transform_input=False) is fed that directly.

constexpr int kInceptionSize = 299;        // input side
constexpr int kInceptionClasses = 1000;    // fc outputs (logits)
constexpr int kInceptionFeatures = 2048;   // pool features (after the global average pool)
constexpr double kInceptionBnEps = 1e-3;

// Every tensor the network reads, in network order (Note [Inception weights]).
const std::vector<TensorSpec>& inception_v3_tensors();

struct InceptionOutput {
  Tensor logits;  // [N, 1000] float32
  Tensor pool;    // [N, 2048] float32: the FID features
};

class InceptionV3 {
 public:
  // Reads a safetensors file. Errors name the file and the first missing tensor (with the count of
  // missing ones), or the first tensor of the wrong shape.
  static InceptionV3 load(const std::string& path);
  // Same from tensors in memory; `source` names them in errors.
  static InceptionV3 from_tensors(const std::map<std::string, Tensor>& tensors, const std::string& source);

  // Moves the weights to `device` (the CPU after loading).
  void to(Device device);
  Device device() const { return fc_w_.device(); }

  // x [N, 3, 299, 299] float32 on the network's device, prepared as Note [Inception input] says. Runs
  // without autograd; the outputs are on the network's device.
  InceptionOutput forward(const Tensor& x) const;

 private:
  struct Conv {
    Tensor w, b;  // BatchNorm folded in: w [Cout, Cin, kh, kw], b [Cout]
    ConvParams params;
  };
  std::map<std::string, Conv> convs_;
  Tensor fc_w_, fc_b_;

  Tensor conv(const std::string& name, const Tensor& x) const;  // relu(conv + folded bn)
  Tensor block_a(const std::string& p, const Tensor& x) const;
  Tensor block_b(const std::string& p, const Tensor& x) const;
  Tensor block_c(const std::string& p, const Tensor& x) const;
  Tensor block_d(const std::string& p, const Tensor& x) const;
  Tensor block_e(const std::string& p, const Tensor& x) const;
};

// An RGB image -> [3, 299, 299] float32 (Note [Inception input]).
Tensor inception_input(const Image8& img);

}  // namespace dpt::eval
