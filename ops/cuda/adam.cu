// CUDA fused Adam update (ops/adam.h): one pass reading p, g, m, v and writing p, m, v per element,
// maths from ops/adam_math.h. Launch: 1-D grid-stride, 256 threads.
#include <cmath>

#include "ops/adam.h"
#include "ops/adam_math.h"
#include "ops/cuda/launch.cuh"

namespace dpt::cuda {
namespace {

// p, g, m, v [n]; bc1 = 1 - beta1^t, bc2 = 1 - beta2^t.
template <class T>
__global__ void adam_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v, int64_t n,
                            double lr, double beta1, double beta2, double eps, double bc1, double bc2) {
  DPT_KERNEL_LOOP(i, n) adam_element(p + i, g[i], m + i, v + i, lr, beta1, beta2, eps, bc1, bc2);
}

}  // namespace

void adam_update(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, int64_t step, const AdamHyper& h) {
  const double bc1 = 1.0 - std::pow(h.beta1, static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(h.beta2, static_cast<double>(step));
  const int64_t n = p.numel();
  DPT_DISPATCH_FLOAT(p.dtype(), {
    launch("adam", adam_kernel<scalar_t>, blocks_for(n), kThreads, 0, current_stream(), p.data<scalar_t>(),
           g.data<scalar_t>(), m.data<scalar_t>(), v.data<scalar_t>(), n, h.lr, h.beta1, h.beta2, h.eps, bc1, bc2);
  });
}

}  // namespace dpt::cuda
