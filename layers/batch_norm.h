// BatchNorm2d (docs/sca.md section 2 "BN"): affine weight/bias parameters and running_mean/running_var buffers under
// PyTorch's state-dict names (no num_batches_tracked); the module's train/eval mode picks batch or running
// statistics (Note [module buffers and modes] in layers/module.h).
#pragma once
#include <cstdint>

#include "layers/module.h"

namespace dpt {

// x [N, C, H, W] -> same shape. weight 1, bias 0, running_mean 0, running_var 1 at construction (PyTorch).
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t channels, double eps = 1e-5, double momentum = 0.1, DType dtype = DType::F32);
  // Train mode: batch statistics, and the running statistics move once per call. Eval: running statistics.
  Tensor forward(const Tensor& x) const;
  Tensor weight, bias;              // parameters [C]
  Tensor running_mean, running_var;  // buffers [C]
  double eps, momentum;
};

}  // namespace dpt
