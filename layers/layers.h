// The parametrised layers the networks are built from: Conv2d, ConvTranspose2d (both with groups),
// Linear and the residual block of docs/dpt.md section 4.1. Layouts and default initialisation are
// PyTorch's: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = weight.shape[1]*kh*kw
// (Linear: in), drawn weight first, then bias, from the caller's Generator (deterministic).
#pragma once
#include <cstdint>

#include "core/rng.h"
#include "layers/module.h"
#include "ops/conv2d.h"

namespace dpt {

// Passed as the Generator, leaves the parameters uninitialised (allocated only): for a model whose
// weights are loaded right after construction (57M random draws cost ~1 s at the paper size).
Generator& uninitialized();

// x [N, cin, H, W] -> [N, cout, Ho, Wo]; weight [cout, cin/groups, k, k], bias [cout].
// constant_params: the weights enter as constants (detached), e.g. D inside the generator's GAN loss.
class Conv2d : public Module {
 public:
  Conv2d(int64_t cin, int64_t cout, int kernel, int stride, int padding, Generator& gen, int groups = 1,
         DType dtype = DType::F32);
  Tensor forward(const Tensor& x, bool constant_params = false) const;
  Tensor weight, bias;
  ConvParams params;
};

// x [N, cin, H, W] -> [N, cout, (H-1)s - 2p + k + op, ...]; weight [cin, cout/groups, k, k], bias [cout].
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t cin, int64_t cout, int kernel, int stride, int padding, int output_padding,
                  Generator& gen, int groups = 1, DType dtype = DType::F32);
  Tensor forward(const Tensor& x) const;
  Tensor weight, bias;
  ConvParams params;
};

// x [N, in] -> [N, out]; weight [out, in], bias [out].
class Linear : public Module {
 public:
  Linear(int64_t in, int64_t out, Generator& gen, DType dtype = DType::F32);
  Tensor forward(const Tensor& x) const;
  Tensor weight, bias;
};

// x + IN(conv2(ReLU(IN(conv1(x))))), both convs 3x3 s1 p1 c -> c; no activation after the sum.
class ResidualBlock : public Module {
 public:
  ResidualBlock(int64_t channels, Generator& gen, DType dtype = DType::F32);
  Tensor forward(const Tensor& x) const;
  Conv2d conv1, conv2;
};

}  // namespace dpt
