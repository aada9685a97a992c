// CUDA Gram matrix (ops/gram.h): G_n = F_n F_n^T / (C H W) as one strided-batched cuBLAS GEMM, mirrored
// so that G is exactly symmetric (as on the CPU); backward gf_n = (G'_n + G'_n^T) F_n / (C H W).
// Launch: the mirror / symmetrise kernels are 1-D grid-stride over N*C*C, 256 threads.
#include "ops/cuda/gemm.cuh"
#include "ops/cuda/launch.cuh"
#include "ops/gram.h"

namespace dpt::cuda {
namespace {

// g [N, C, C]: the lower triangle := the upper one.
template <class T>
__global__ void mirror_upper_kernel(T* g, int64_t N, int64_t C) {
  DPT_KERNEL_LOOP(i, N * C * C) {
    const int64_t j = i % C, r = (i / C) % C, n = i / (C * C);
    if (j < r) g[i] = g[(n * C + j) * C + r];
  }
}

// sym [N, C, C] = g + g^T per sample.
template <class T>
__global__ void symmetrise_kernel(const T* __restrict__ g, T* __restrict__ sym, int64_t N, int64_t C) {
  DPT_KERNEL_LOOP(i, N * C * C) {
    const int64_t j = i % C, r = (i / C) % C, n = i / (C * C);
    sym[i] = g[i] + g[(n * C + j) * C + r];
  }
}

}  // namespace

// f [N, C, H, W] -> out [N, C, C]
void gram_forward(const Tensor& f, Tensor& out) {
  const int64_t N = f.size(0), C = f.size(1), HW = f.size(2) * f.size(3);
  if (N == 0 || C == 0) return;
  DPT_DISPATCH_FLOAT(f.dtype(), {
    const scalar_t scale = scalar_t(1.0 / (static_cast<double>(C) * HW));
    const scalar_t* pf = f.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    // G_n [C, C] = scale F_n [C, HW] F_n^T [HW, C]
    gemm<scalar_t>(false, true, C, C, HW, scale, pf, HW, pf, HW, scalar_t(0), po, C, N, C * HW, C * HW, C * C);
    launch("gram_mirror", mirror_upper_kernel<scalar_t>, blocks_for(N * C * C), kThreads, 0, current_stream(), po, N, C);
  });
}

// f [N, C, H, W], gout [N, C, C] -> gf [N, C, H, W]
void gram_backward(const Tensor& f, const Tensor& gout, Tensor& gf) {
  const int64_t N = f.size(0), C = f.size(1), HW = f.size(2) * f.size(3);
  if (N == 0 || C == 0 || HW == 0) return;
  DPT_DISPATCH_FLOAT(f.dtype(), {
    const scalar_t scale = scalar_t(1.0 / (static_cast<double>(C) * HW));
    Tensor sym = Tensor::empty({N, C, C}, f.dtype(), f.device());
    launch("gram_symmetrise", symmetrise_kernel<scalar_t>, blocks_for(N * C * C), kThreads, 0, current_stream(),
           gout.data<scalar_t>(), sym.data<scalar_t>(), N, C);
    // gf_n [C, HW] = scale sym_n [C, C] F_n [C, HW]
    gemm<scalar_t>(false, false, C, HW, C, scale, sym.data<scalar_t>(), C, f.data<scalar_t>(), HW, scalar_t(0),
                   gf.data<scalar_t>(), HW, N, C * C, C * HW, C * HW);
  });
}

}  // namespace dpt::cuda
