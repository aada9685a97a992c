// BatchNorm2d: parameters, buffers and the mode-dependent forward (ops/batch_norm.h does the maths).
#include "layers/batch_norm.h"

#include "ops/batch_norm.h"

namespace dpt {

BatchNorm2d::BatchNorm2d(int64_t channels, double eps_, double momentum_, DType dtype)
    : eps(eps_), momentum(momentum_) {
  DPT_CHECK(channels > 0, "BatchNorm2d: bad channel count " << channels);
  weight = Tensor::ones({channels}, dtype);
  bias = Tensor::zeros({channels}, dtype);
  running_mean = Tensor::zeros({channels}, dtype);
  running_var = Tensor::ones({channels}, dtype);
  register_parameter("weight", &weight);
  register_parameter("bias", &bias);
  register_buffer("running_mean", &running_mean);
  register_buffer("running_var", &running_var);
}

Tensor BatchNorm2d::forward(const Tensor& x) const {
  DPT_CHECK(x.dim() == 4, "BatchNorm2d: x must be [N, C, H, W], got " << x.shape_str());
  return batch_norm(x, weight, bias, running_mean, running_var, is_training(), momentum, eps);
}

}  // namespace dpt
