// CUDA reduction kernels of sum_to and max along a dim (ops/reduce.h). sum_to sums over the dims where
// `out` has size 1, in double, deterministically (fixed partition and fixed tree order; no atomics).
// Launch: max along a dim is one thread per output (backward one per element); sum_to: few long sums ->
// a block of 256 per (output, 4096-element chunk) plus a pass over the chunk partials; many short sums
// -> one thread per output, summing in the CPU kernel's order.
#include <vector>

#include "ops/cuda/block_reduce.cuh"
#include "ops/cuda/indexing.cuh"
#include "ops/cuda/launch.cuh"
#include "ops/reduce.h"
#include "ops/reduce_math.h"

namespace dpt::cuda {
namespace {

constexpr int kBlock = 256;
constexpr int64_t kChunk = 4096;  // elements summed by one block

// One thread per output o: out[o] = sum over r of x[kept(o) + red(r)], r in order.
template <class T>
__global__ void sum_rows_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t n_out, int64_t per_out,
                                Offsets1 kept, Offsets1 red) {
  DPT_KERNEL_LOOP(o, n_out) {
    const int64_t base = offset1(kept, o);
    double acc = 0;
    for (int64_t r = 0; r < per_out; ++r) acc += static_cast<double>(x[base + offset1(red, r)]);
    out[o] = static_cast<T>(acc);
  }
}

// Block b = (o, c) sums chunk c of output o. chunks == 1: writes out[o]; else partial[o * chunks + c].
template <class T>
__global__ void sum_chunks_kernel(const T* __restrict__ x, T* __restrict__ out, double* __restrict__ partial,
                                  int64_t per_out, int64_t chunks, Offsets1 kept, Offsets1 red) {
  __shared__ double buf[kBlock];
  const int64_t o = blockIdx.x / chunks, c = blockIdx.x % chunks;
  const int64_t base = offset1(kept, o);
  const int64_t end = (c + 1) * kChunk < per_out ? (c + 1) * kChunk : per_out;
  double acc = 0;
  for (int64_t r = c * kChunk + threadIdx.x; r < end; r += kBlock) acc += static_cast<double>(x[base + offset1(red, r)]);
  acc = block_sum<kBlock>(acc, buf);
  if (threadIdx.x == 0) {
    if (chunks == 1) out[o] = static_cast<T>(acc);
    else partial[o * chunks + c] = acc;
  }
}

// One thread per output: out[o] = sum of its chunks' partials, in chunk order.
template <class T>
__global__ void sum_partials_kernel(const double* __restrict__ partial, T* __restrict__ out, int64_t n_out,
                                    int64_t chunks) {
  DPT_KERNEL_LOOP(o, n_out) {
    double acc = 0;
    for (int64_t c = 0; c < chunks; ++c) acc += partial[o * chunks + c];
    out[o] = static_cast<T>(acc);
  }
}

// max along the middle dim of x [A, n, B]: values / indices [A, B], one thread per output.
template <class T>
__global__ void max_dim_kernel(const T* __restrict__ x, T* __restrict__ values, T* __restrict__ indices, int64_t A,
                               int64_t n, int64_t B) {
  DPT_KERNEL_LOOP(o, A * B) {
    const T* row = x + (o / B) * n * B + o % B;
    const int64_t j = max_dim_argmax(row, n, B);
    values[o] = row[j * B];
    indices[o] = static_cast<T>(j);
  }
}

// gx [A, n, B] = gout [A, B] where the stored index is j, else 0 (one thread per element).
template <class T>
__global__ void max_dim_backward_kernel(const T* __restrict__ gout, const T* __restrict__ indices, T* __restrict__ gx,
                                        int64_t A, int64_t n, int64_t B) {
  DPT_KERNEL_LOOP(i, A * n * B) {
    const int64_t b = i % B, j = i / B % n, a = i / (B * n), o = a * B + b;
    gx[i] = static_cast<int64_t>(indices[o]) == j ? gout[o] : T(0);
  }
}

void split_at(const Shape& s, int64_t d, int64_t* A, int64_t* n, int64_t* B) {
  *A = 1, *B = 1;
  for (int64_t i = 0; i < d; ++i) *A *= s[i];
  for (int64_t i = d + 1; i < static_cast<int64_t>(s.size()); ++i) *B *= s[i];
  *n = s[d];
}

}  // namespace

void max_dim_forward(const Tensor& x, int64_t dim, Tensor& values, Tensor& indices) {
  int64_t A, n, B;
  split_at(x.shape(), dim, &A, &n, &B);
  if (A * B == 0) return;
  DPT_DISPATCH_FLOAT(x.dtype(), {
    launch("max_dim", max_dim_kernel<scalar_t>, blocks_for(A * B), kThreads, 0, current_stream(), x.data<scalar_t>(),
           values.data<scalar_t>(), indices.data<scalar_t>(), A, n, B);
  });
}

void max_dim_backward(const Tensor& gout, const Tensor& indices, int64_t dim, Tensor& gx) {
  int64_t A, n, B;
  split_at(gx.shape(), dim, &A, &n, &B);
  if (A * n * B == 0) return;
  DPT_DISPATCH_FLOAT(gx.dtype(), {
    launch("max_dim_backward", max_dim_backward_kernel<scalar_t>, blocks_for(A * n * B), kThreads, 0, current_stream(),
           gout.data<scalar_t>(), indices.data<scalar_t>(), gx.data<scalar_t>(), A, n, B);
  });
}

// x contiguous [.. xs ..]; out [.. os ..] of the same rank, os[d] == 1 on the summed dims.
void sum_to_forward(const Tensor& x, Tensor& out) {
  const Shape& xs = x.shape();
  const Shape& os = out.shape();
  const int64_t n_out = out.numel(), n_in = x.numel();
  if (n_out == 0) return;
  const int64_t per_out = n_in / n_out;
  if (per_out == 0) {
    out.zero_();
    return;
  }
  Shape xstr = contiguous_strides(xs);
  std::vector<int64_t> ksz, kst, rsz, rst;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (os[d] == 1 && xs[d] != 1) {
      rsz.push_back(xs[d]);
      rst.push_back(xstr[d]);
    } else {
      ksz.push_back(xs[d]);
      kst.push_back(xstr[d]);
    }
  }
  Offsets1 kept = make_offsets1(ksz, kst, "sum_to"), red = make_offsets1(rsz, rst, "sum_to");
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    if (per_out <= 64 || n_out >= 4096) {
      launch("sum_rows", sum_rows_kernel<scalar_t>, blocks_for(n_out), kThreads, 0, current_stream(), px, po, n_out,
             per_out, kept, red);
    } else {
      const int64_t chunks = (per_out + kChunk - 1) / kChunk;
      Tensor partial;
      double* pp = nullptr;
      if (chunks > 1) {
        partial = Tensor::empty({n_out * chunks}, DType::F64, x.device());
        pp = partial.data<double>();
      }
      launch("sum_chunks", sum_chunks_kernel<scalar_t>, blocks_exact(n_out * chunks, 1), kBlock, 0, current_stream(),
             px, po, pp, per_out, chunks, kept, red);
      if (chunks > 1)
        launch("sum_partials", sum_partials_kernel<scalar_t>, blocks_for(n_out), kThreads, 0, current_stream(), pp,
               po, n_out, chunks);
    }
  });
}

}  // namespace dpt::cuda
