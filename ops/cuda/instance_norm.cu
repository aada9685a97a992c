// CUDA instance norm (ops/instance_norm.h) with the shifted double statistics of Note [IN numerics]
// (ops/instance_norm_math.h), so constant planes give exactly 0 here too.
// Launch: planes of L <= 4096 -> one 256-thread block per plane (sums, block reduction, apply);
// longer planes -> 256-thread blocks per (plane, 4096-element chunk): a partial-sums kernel, then an
// apply kernel whose every block combines its plane's partials in chunk order (deterministic).
#include "ops/cuda/block_reduce.cuh"
#include "ops/cuda/launch.cuh"
#include "ops/instance_norm.h"
#include "ops/instance_norm_math.h"

namespace dpt::cuda {
namespace {

constexpr int kBlock = 256;
constexpr int64_t kChunk = 4096;

DPT_HD inline int64_t chunk_end(int64_t c, int64_t L) { return (c + 1) * kChunk < L ? (c + 1) * kChunk : L; }

// ---------------------------------------------------------------- forward
// x, out [P, L], rstd [P]; block p normalises plane p.
template <class T>
__global__ void in_forward_plane_kernel(const T* __restrict__ x, T* __restrict__ out, T* __restrict__ rstd, int64_t L,
                                        double eps) {
  __shared__ double b1[kBlock], b2[kBlock];
  const int64_t p = blockIdx.x;
  const T* plane = x + p * L;
  double s1, s2, mean, r;
  in_partial_sums(plane, L, threadIdx.x, kBlock, &s1, &s2);
  block_sum2<kBlock>(&s1, &s2, b1, b2);
  in_stats(s1, s2, L, eps, &mean, &r);  // every thread has the same sums
  const double shift = static_cast<double>(plane[0]);
  for (int64_t i = threadIdx.x; i < L; i += kBlock) out[p * L + i] = in_normalize(plane[i], shift, mean, r);
  if (threadIdx.x == 0) rstd[p] = static_cast<T>(r);
}

// Block (p, c): the shifted sums of chunk c of plane p -> partial[(p * chunks + c) * 2 + {0, 1}].
template <class T>
__global__ void in_forward_partial_kernel(const T* __restrict__ x, double* __restrict__ partial, int64_t L,
                                          int64_t chunks) {
  __shared__ double b1[kBlock], b2[kBlock];
  const int64_t p = blockIdx.x / chunks, c = blockIdx.x % chunks;
  double s1, s2;
  // in_partial_sums stops at its L argument, so passing the chunk's end sums [start, end) with the plane's shift.
  in_partial_sums(x + p * L, chunk_end(c, L), c * kChunk + threadIdx.x, kBlock, &s1, &s2);
  block_sum2<kBlock>(&s1, &s2, b1, b2);
  if (threadIdx.x == 0) {
    partial[(p * chunks + c) * 2] = s1;
    partial[(p * chunks + c) * 2 + 1] = s2;
  }
}

// Block (p, c): statistics of plane p from its partials, then chunk c of out; rstd[p] by block (p, 0).
template <class T>
__global__ void in_forward_apply_kernel(const T* __restrict__ x, const double* __restrict__ partial, T* __restrict__ out,
                                        T* __restrict__ rstd, int64_t L, int64_t chunks, double eps) {
  const int64_t p = blockIdx.x / chunks, c = blockIdx.x % chunks;
  double s1 = 0, s2 = 0, mean, r;
  for (int64_t k = 0; k < chunks; ++k) {
    s1 += partial[(p * chunks + k) * 2];
    s2 += partial[(p * chunks + k) * 2 + 1];
  }
  in_stats(s1, s2, L, eps, &mean, &r);
  const T* plane = x + p * L;
  const double shift = static_cast<double>(plane[0]);
  for (int64_t i = c * kChunk + threadIdx.x, e = chunk_end(c, L); i < e; i += kBlock)
    out[p * L + i] = in_normalize(plane[i], shift, mean, r);
  if (c == 0 && threadIdx.x == 0) rstd[p] = static_cast<T>(r);
}

// ---------------------------------------------------------------- backward
// Sums of g and g*y over [begin, end) with stride kBlock.
template <class T>
__device__ inline void grad_sums(const T* g, const T* y, int64_t begin, int64_t end, double* sg, double* sgy) {
  double a = 0, b = 0;
  for (int64_t i = begin; i < end; i += kBlock) {
    a += static_cast<double>(g[i]);
    b += static_cast<double>(g[i]) * static_cast<double>(y[i]);
  }
  *sg = a;
  *sgy = b;
}

// y (the forward output), g, gx [P, L], rstd [P]; block p handles plane p.
template <class T>
__global__ void in_backward_plane_kernel(const T* __restrict__ y, const T* __restrict__ rstd, const T* __restrict__ g,
                                         T* __restrict__ gx, int64_t L) {
  __shared__ double b1[kBlock], b2[kBlock];
  const int64_t p = blockIdx.x;
  double sg, sgy;
  grad_sums(g + p * L, y + p * L, threadIdx.x, L, &sg, &sgy);
  block_sum2<kBlock>(&sg, &sgy, b1, b2);
  const double mg = sg / L, mgy = sgy / L, r = static_cast<double>(rstd[p]);
  for (int64_t i = p * L + threadIdx.x; i < (p + 1) * L; i += kBlock) gx[i] = in_grad(g[i], y[i], mg, mgy, r);
}

template <class T>
__global__ void in_backward_partial_kernel(const T* __restrict__ y, const T* __restrict__ g, double* __restrict__ partial,
                                           int64_t L, int64_t chunks) {
  __shared__ double b1[kBlock], b2[kBlock];
  const int64_t p = blockIdx.x / chunks, c = blockIdx.x % chunks;
  double sg, sgy;
  grad_sums(g + p * L, y + p * L, c * kChunk + threadIdx.x, chunk_end(c, L), &sg, &sgy);
  block_sum2<kBlock>(&sg, &sgy, b1, b2);
  if (threadIdx.x == 0) {
    partial[(p * chunks + c) * 2] = sg;
    partial[(p * chunks + c) * 2 + 1] = sgy;
  }
}

template <class T>
__global__ void in_backward_apply_kernel(const T* __restrict__ y, const T* __restrict__ rstd, const T* __restrict__ g,
                                         const double* __restrict__ partial, T* __restrict__ gx, int64_t L,
                                         int64_t chunks) {
  const int64_t p = blockIdx.x / chunks, c = blockIdx.x % chunks;
  double sg = 0, sgy = 0;
  for (int64_t k = 0; k < chunks; ++k) {
    sg += partial[(p * chunks + k) * 2];
    sgy += partial[(p * chunks + k) * 2 + 1];
  }
  const double mg = sg / L, mgy = sgy / L, r = static_cast<double>(rstd[p]);
  for (int64_t i = c * kChunk + threadIdx.x, e = chunk_end(c, L); i < e; i += kBlock)
    gx[p * L + i] = in_grad(g[p * L + i], y[p * L + i], mg, mgy, r);
}

}  // namespace

// x, out [N, C, ...] (P = N*C planes of L), rstd [N, C] (P values).
void instance_norm_forward(const Tensor& x, Tensor& out, Tensor& rstd, double eps) {
  const int64_t P = x.size(0) * x.size(1), L = P ? x.numel() / P : 0;
  DPT_CHECK(L > 0, "instance_norm: empty planes in " << x.shape_str());
  const int64_t chunks = (L + kChunk - 1) / kChunk;
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    scalar_t* pr = rstd.data<scalar_t>();
    if (chunks == 1) {
      launch("in_forward_plane", in_forward_plane_kernel<scalar_t>, blocks_exact(P, 1), kBlock, 0, current_stream(),
             px, po, pr, L, eps);
    } else {
      Tensor partial = Tensor::empty({P * chunks * 2}, DType::F64, x.device());
      launch("in_forward_partial", in_forward_partial_kernel<scalar_t>, blocks_exact(P * chunks, 1), kBlock, 0,
             current_stream(), px, partial.data<double>(), L, chunks);
      launch("in_forward_apply", in_forward_apply_kernel<scalar_t>, blocks_exact(P * chunks, 1), kBlock, 0,
             current_stream(), px, static_cast<const double*>(partial.data<double>()), po, pr, L, chunks, eps);
    }
  });
}

// out (the forward result), gout, gx [P, L]; rstd [P].
void instance_norm_backward(const Tensor& out, const Tensor& rstd, const Tensor& gout, Tensor& gx) {
  const int64_t P = rstd.numel(), L = P ? out.numel() / P : 0;
  if (P == 0 || L == 0) return;
  const int64_t chunks = (L + kChunk - 1) / kChunk;
  DPT_DISPATCH_FLOAT(out.dtype(), {
    const scalar_t* py = out.data<scalar_t>();
    const scalar_t* pg = gout.data<scalar_t>();
    const scalar_t* pr = rstd.data<scalar_t>();
    scalar_t* pgx = gx.data<scalar_t>();
    if (chunks == 1) {
      launch("in_backward_plane", in_backward_plane_kernel<scalar_t>, blocks_exact(P, 1), kBlock, 0, current_stream(),
             py, pr, pg, pgx, L);
    } else {
      Tensor partial = Tensor::empty({P * chunks * 2}, DType::F64, out.device());
      launch("in_backward_partial", in_backward_partial_kernel<scalar_t>, blocks_exact(P * chunks, 1), kBlock, 0,
             current_stream(), py, pg, partial.data<double>(), L, chunks);
      launch("in_backward_apply", in_backward_apply_kernel<scalar_t>, blocks_exact(P * chunks, 1), kBlock, 0,
             current_stream(), py, pr, pg, static_cast<const double*>(partial.data<double>()), pgx, L, chunks);
    }
  });
}

}  // namespace dpt::cuda
