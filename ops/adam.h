// In-place Adam update with bias correction (PyTorch's Adam, step counted from 1), no autograd:
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g²;  p -= lr (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
#pragma once
#include "core/tensor.h"

namespace dpt {

struct AdamHyper {
  double lr = 2e-4;
  double beta1 = 0.5;
  double beta2 = 0.999;
  double eps = 1e-8;
};

void adam_update_(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, int64_t step, const AdamHyper& h);

// Kernels: all four tensors contiguous, same shape, dtype and device.
namespace cpu {
void adam_update(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, int64_t step, const AdamHyper& h);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void adam_update(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, int64_t step, const AdamHyper& h);
}  // namespace cuda
#endif

}  // namespace dpt
