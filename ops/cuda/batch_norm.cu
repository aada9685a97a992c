// CUDA batch norm (ops/batch_norm.h) with the shifted double statistics of Note [BN numerics].
// Launch: per-channel sums in 256-thread blocks per (channel, chunk of kChunk of its N*L values), then one
// thread per channel adds its chunks in order (deterministic); the elementwise passes are grid-stride loops.
#include "ops/batch_norm.h"
#include "ops/batch_norm_math.h"
#include "ops/cuda/block_reduce.cuh"
#include "ops/cuda/launch.cuh"

namespace dpt::cuda {
namespace {

constexpr int kBlock = 256;
constexpr int64_t kChunk = 16384;

// Block (c, k): sums of x - shift and (x - shift)^2 over chunk k of channel c -> partial[(c chunks + k) 2 + {0,1}].
template <class T>
__global__ void bn_stats_partial_kernel(const T* __restrict__ x, double* __restrict__ partial, int64_t C, int64_t L,
                                        int64_t n, int64_t chunks) {
  __shared__ double b1[kBlock], b2[kBlock];
  const int64_t c = blockIdx.x / chunks, k = blockIdx.x % chunks;
  const double shift = static_cast<double>(x[c * L]);
  const int64_t end = (k + 1) * kChunk < n ? (k + 1) * kChunk : n;
  double s1 = 0, s2 = 0;
  for (int64_t e = k * kChunk + threadIdx.x; e < end; e += kBlock) {
    const double v = static_cast<double>(x[bn_index(e, c, C, L)]) - shift;
    s1 += v;
    s2 += v * v;
  }
  block_sum2<kBlock>(&s1, &s2, b1, b2);
  if (threadIdx.x == 0) {
    partial[(c * chunks + k) * 2] = s1;
    partial[(c * chunks + k) * 2 + 1] = s2;
  }
}

// One thread per channel: mean, var [C] from the partials.
template <class T>
__global__ void bn_stats_final_kernel(const T* __restrict__ x, const double* __restrict__ partial,
                                      double* __restrict__ mean, double* __restrict__ var, int64_t C, int64_t L,
                                      int64_t n, int64_t chunks) {
  DPT_KERNEL_LOOP(c, C) {
    double s1 = 0, s2 = 0;
    for (int64_t k = 0; k < chunks; ++k) {
      s1 += partial[(c * chunks + k) * 2];
      s2 += partial[(c * chunks + k) * 2 + 1];
    }
    bn_stats(s1, s2, n, static_cast<double>(x[c * L]), &mean[c], &var[c]);
  }
}

template <class T>
__global__ void bn_forward_kernel(const T* __restrict__ x, const double* __restrict__ mean,
                                  const double* __restrict__ var, const T* __restrict__ w, const T* __restrict__ b,
                                  T* __restrict__ out, int64_t total, int64_t C, int64_t L, double eps) {
  DPT_KERNEL_LOOP(i, total) {
    const int64_t c = (i / L) % C;
    out[i] = bn_normalize(x[i], mean[c], bn_rstd(var[c], eps), w[c], b[c]);
  }
}

template <class T>
__global__ void bn_running_kernel(const double* __restrict__ mean, const double* __restrict__ var, T* __restrict__ rm,
                                  T* __restrict__ rv, int64_t C, double unbias, double momentum) {
  DPT_KERNEL_LOOP(c, C) {
    rm[c] = bn_running(rm[c], mean[c], momentum);
    rv[c] = bn_running(rv[c], var[c] * unbias, momentum);
  }
}

// Block (c, k): sums of g and g xhat over chunk k of channel c.
template <class T>
__global__ void bn_grad_partial_kernel(const T* __restrict__ x, const T* __restrict__ g,
                                       const double* __restrict__ mean, const double* __restrict__ var,
                                       double* __restrict__ partial, int64_t C, int64_t L, int64_t n, int64_t chunks,
                                       double eps) {
  __shared__ double b1[kBlock], b2[kBlock];
  const int64_t c = blockIdx.x / chunks, k = blockIdx.x % chunks;
  const double m = mean[c], r = bn_rstd(var[c], eps);
  const int64_t end = (k + 1) * kChunk < n ? (k + 1) * kChunk : n;
  double sg = 0, sgx = 0;
  for (int64_t e = k * kChunk + threadIdx.x; e < end; e += kBlock) {
    const int64_t i = bn_index(e, c, C, L);
    const double gv = static_cast<double>(g[i]);
    sg += gv;
    sgx += gv * ((static_cast<double>(x[i]) - m) * r);
  }
  block_sum2<kBlock>(&sg, &sgx, b1, b2);
  if (threadIdx.x == 0) {
    partial[(c * chunks + k) * 2] = sg;
    partial[(c * chunks + k) * 2 + 1] = sgx;
  }
}

// One thread per channel: gb = sum g, gw = sum g xhat; sums[c] = (mean g, mean g xhat) for the input gradient.
template <class T>
__global__ void bn_grad_final_kernel(const double* __restrict__ partial, double* __restrict__ sums, T* __restrict__ gw,
                                     T* __restrict__ gb, int64_t C, int64_t n, int64_t chunks) {
  DPT_KERNEL_LOOP(c, C) {
    double sg = 0, sgx = 0;
    for (int64_t k = 0; k < chunks; ++k) {
      sg += partial[(c * chunks + k) * 2];
      sgx += partial[(c * chunks + k) * 2 + 1];
    }
    gb[c] = static_cast<T>(sg);
    gw[c] = static_cast<T>(sgx);
    sums[c * 2] = sg / static_cast<double>(n);
    sums[c * 2 + 1] = sgx / static_cast<double>(n);
  }
}

template <class T>
__global__ void bn_grad_input_kernel(const T* __restrict__ x, const T* __restrict__ g, const double* __restrict__ mean,
                                     const double* __restrict__ var, const T* __restrict__ w,
                                     const double* __restrict__ sums, T* __restrict__ gx, int64_t total, int64_t C,
                                     int64_t L, double eps, bool batch_stats) {
  DPT_KERNEL_LOOP(i, total) {
    const int64_t c = (i / L) % C;
    const double r = bn_rstd(var[c], eps);
    gx[i] = bn_grad_input(g[i], (static_cast<double>(x[i]) - mean[c]) * r, static_cast<double>(w[c]) * r, sums[c * 2],
                          sums[c * 2 + 1], batch_stats);
  }
}

struct Dims {
  int64_t N, C, L, n, chunks;
};
Dims dims(const Tensor& x) {
  Dims d;
  d.N = x.size(0);
  d.C = x.size(1);
  d.L = d.N * d.C != 0 ? x.numel() / (d.N * d.C) : 0;
  d.n = d.N * d.L;
  d.chunks = (d.n + kChunk - 1) / kChunk;
  return d;
}

}  // namespace

// x [N, C, L] -> mean, var [C] float64.
void batch_norm_stats(const Tensor& x, Tensor& mean, Tensor& var) {
  const Dims d = dims(x);
  DPT_CHECK(d.n > 0, "batch_norm: empty channels in " << x.shape_str());
  Tensor partial = Tensor::empty({d.C * d.chunks * 2}, DType::F64, x.device());
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    launch("bn_stats_partial", bn_stats_partial_kernel<scalar_t>, blocks_exact(d.C * d.chunks, 1), kBlock, 0,
           current_stream(), px, partial.data<double>(), d.C, d.L, d.n, d.chunks);
    launch("bn_stats_final", bn_stats_final_kernel<scalar_t>, blocks_for(d.C), kThreads, 0, current_stream(), px,
           static_cast<const double*>(partial.data<double>()), mean.data<double>(), var.data<double>(), d.C, d.L, d.n,
           d.chunks);
  });
}

void batch_norm_forward(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& weight,
                        const Tensor& bias, double eps, Tensor& out) {
  const Dims d = dims(x);
  const int64_t total = x.numel();
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("bn_forward", bn_forward_kernel<scalar_t>, blocks_for(total), kThreads, 0, current_stream(),
           x.data<scalar_t>(), mean.data<double>(), var.data<double>(), weight.data<scalar_t>(), bias.data<scalar_t>(),
           out.data<scalar_t>(), total, d.C, d.L, eps);
  });
}

void batch_norm_update_running(const Tensor& mean, const Tensor& var, int64_t n, double momentum,
                               Tensor& running_mean, Tensor& running_var) {
  const int64_t C = mean.numel();
  const double unbias = static_cast<double>(n) / static_cast<double>(n - 1);
  DPT_DISPATCH_FLOAT(running_mean.dtype(), {
    launch("bn_running", bn_running_kernel<scalar_t>, blocks_for(C), kThreads, 0, current_stream(), mean.data<double>(),
           var.data<double>(), running_mean.data<scalar_t>(), running_var.data<scalar_t>(), C, unbias, momentum);
  });
}

void batch_norm_backward(const Tensor& x, const Tensor& gout, const Tensor& mean, const Tensor& var,
                         const Tensor& weight, double eps, bool batch_stats, Tensor& gx, Tensor& gw, Tensor& gb) {
  const Dims d = dims(x);
  const int64_t total = x.numel();
  if (d.n == 0) return;
  Tensor partial = Tensor::empty({d.C * d.chunks * 2}, DType::F64, x.device());
  Tensor sums = Tensor::empty({d.C * 2}, DType::F64, x.device());
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pg = gout.data<scalar_t>();
    launch("bn_grad_partial", bn_grad_partial_kernel<scalar_t>, blocks_exact(d.C * d.chunks, 1), kBlock, 0,
           current_stream(), px, pg, mean.data<double>(), var.data<double>(), partial.data<double>(), d.C, d.L, d.n,
           d.chunks, eps);
    launch("bn_grad_final", bn_grad_final_kernel<scalar_t>, blocks_for(d.C), kThreads, 0, current_stream(),
           static_cast<const double*>(partial.data<double>()), sums.data<double>(), gw.data<scalar_t>(),
           gb.data<scalar_t>(), d.C, d.n, d.chunks);
    launch("bn_grad_input", bn_grad_input_kernel<scalar_t>, blocks_for(total), kThreads, 0, current_stream(), px, pg,
           mean.data<double>(), var.data<double>(), weight.data<scalar_t>(),
           static_cast<const double*>(sums.data<double>()), gx.data<scalar_t>(), total, d.C, d.L, eps, batch_stats);
  });
}

}  // namespace dpt::cuda
