// CUDA contextual loss (ops/contextual_loss.h): batched GEMMs (ops/cuda/gemm.cuh) for the cosine matrix
// and its VJP; one thread per generated position i for the column passes (min over j, sum of w, the
// gradient of column i: adjacent threads read adjacent i, so the loops over j are coalesced and need no
// atomics); one block per target position j for the maximum over i (first index on ties).
// Every sum has a fixed order: results are deterministic.
#include <cmath>

#include "ops/contextual_loss.h"
#include "ops/contextual_loss_math.h"
#include "ops/cuda/block_reduce.cuh"
#include "ops/cuda/gemm.cuh"
#include "ops/cuda/launch.cuh"

namespace dpt::cuda {
namespace {

constexpr int kBlock = 256;

// Block c: mu[c] = mean of T [N, C, P] over n and positions.
template <class T>
__global__ void cx_channel_mean_kernel(const T* __restrict__ t, double* __restrict__ mu, int64_t N, int64_t C,
                                       int64_t P) {
  __shared__ double buf[kBlock];
  const int64_t c = blockIdx.x;
  double s = 0;
  for (int64_t e = threadIdx.x; e < N * P; e += kBlock) s += static_cast<double>(t[((e / P) * C + c) * P + e % P]);
  s = block_sum<kBlock>(s, buf);
  if (threadIdx.x == 0) mu[c] = s / static_cast<double>(N * P);
}

// One thread per (n, q): Xn[n, :, q] = (X[n, :, q] - mu) / ||X[n, :, q] - mu||; rnorm[n, q] if not null.
template <class T>
__global__ void cx_normalise_kernel(const T* __restrict__ x, const double* __restrict__ mu, T* __restrict__ xn,
                                    double* __restrict__ rnorm, int64_t N, int64_t C, int64_t P) {
  DPT_KERNEL_LOOP(k, N * P) {
    const int64_t n = k / P, q = k % P;
    double ss = 0;
    for (int64_t c = 0; c < C; ++c) {
      const double v = static_cast<double>(x[(n * C + c) * P + q]) - mu[c];
      ss += v * v;
    }
    const double r = 1.0 / sqrt(ss);
    for (int64_t c = 0; c < C; ++c)
      xn[(n * C + c) * P + q] = static_cast<T>((static_cast<double>(x[(n * C + c) * P + q]) - mu[c]) * r);
    if (rnorm) rnorm[k] = r;
  }
}

// One thread per (n, i): d = (1 - cos) / 2 in place, its first minimum over j, then sum_j w -> colstats.
template <class T>
__global__ void cx_columns_kernel(T* __restrict__ d, double* __restrict__ col, int64_t N, int64_t PT, int64_t PI,
                                  double b, double sigma, double eps) {
  DPT_KERNEL_LOOP(k, N * PI) {
    const int64_t n = k / PI, i = k % PI;
    T* dn = d + n * PT * PI;
    double dmin = INFINITY, jmin = 0, s = 0;
    for (int64_t j = 0; j < PT; ++j) {
      const T dv = cx_distance(dn[j * PI + i]);
      dn[j * PI + i] = dv;
      if (static_cast<double>(dv) < dmin) {
        dmin = static_cast<double>(dv);
        jmin = static_cast<double>(j);
      }
    }
    for (int64_t j = 0; j < PT; ++j) s += cx_weight(static_cast<double>(dn[j * PI + i]), dmin, b, sigma, eps);
    col[k * 3] = dmin;
    col[k * 3 + 1] = jmin;
    col[k * 3 + 2] = s;
  }
}

// Block (n, j): the first maximum over i of cx = w / S -> rowstats[n, j] = (max, i).
template <class T>
__global__ void cx_rows_kernel(const T* __restrict__ d, const double* __restrict__ col, double* __restrict__ row,
                               int64_t PT, int64_t PI, double b, double sigma, double eps) {
  __shared__ double best[kBlock];
  __shared__ int64_t arg[kBlock];
  const int64_t nj = blockIdx.x, n = nj / PT;
  const T* dr = d + nj * PI;
  const double* cs = col + n * PI * 3;
  double bv = -1;
  int64_t ba = 0;
  for (int64_t i = threadIdx.x; i < PI; i += kBlock) {  // ascending i per thread: strict > keeps the first
    const double cx = cx_weight(static_cast<double>(dr[i]), cs[i * 3], b, sigma, eps) / cs[i * 3 + 2];
    if (cx > bv) {
      bv = cx;
      ba = i;
    }
  }
  const unsigned t = threadIdx.x;
  best[t] = bv;
  arg[t] = ba;
  __syncthreads();
  for (int s = kBlock / 2; s > 0; s >>= 1) {
    if (t < static_cast<unsigned>(s)) {
      const double ov = best[t + s];
      const int64_t oa = arg[t + s];
      if (ov > best[t] || (ov == best[t] && oa < arg[t])) {
        best[t] = ov;
        arg[t] = oa;
      }
    }
    __syncthreads();
  }
  if (t == 0) {
    row[nj * 2] = best[0];
    row[nj * 2 + 1] = static_cast<double>(arg[0]);
  }
}

// One block: meanmax[n] = mean_j max_i cx, loss = mean_n -log(meanmax[n]).
template <class T>
__global__ void cx_loss_kernel(const double* __restrict__ row, double* __restrict__ meanmax, T* __restrict__ loss,
                               int64_t N, int64_t PT) {
  __shared__ double buf[kBlock];
  double total = 0;
  for (int64_t n = 0; n < N; ++n) {
    double s = 0;
    for (int64_t j = threadIdx.x; j < PT; j += kBlock) s += row[(n * PT + j) * 2];
    s = block_sum<kBlock>(s, buf);
    const double m = s / static_cast<double>(PT);
    if (threadIdx.x == 0) meanmax[n] = m;
    total += -log(m);
  }
  if (threadIdx.x == 0) *loss = static_cast<T>(total / static_cast<double>(N));
}

// One thread per (n, i): the cotangent of column i of cos -> dcos (same layout as d).
template <class T>
__global__ void cx_grad_columns_kernel(const T* __restrict__ d, const double* __restrict__ col,
                                       const double* __restrict__ row, const double* __restrict__ meanmax,
                                       const T* __restrict__ g, T* __restrict__ dcos, int64_t N, int64_t PT,
                                       int64_t PI, double b, double sigma, double eps) {
  DPT_KERNEL_LOOP(k, N * PI) {
    const int64_t n = k / PI, i = k % PI;
    const T* dn = d + n * PT * PI;
    const double* rs = row + n * PT * 2;
    T* dc = dcos + n * PT * PI;
    const double gm = -static_cast<double>(*g) / (static_cast<double>(N) * meanmax[n] * static_cast<double>(PT));
    const double dmin = col[k * 3], S = col[k * 3 + 2];
    const int64_t jmin = static_cast<int64_t>(col[k * 3 + 1]);
    double q = 0;  // sum over the rows whose first maximum is column i, in row order (as the CPU)
    for (int64_t j = 0; j < PT; ++j)
      if (static_cast<int64_t>(rs[j * 2 + 1]) == i) q += gm * rs[j * 2];
    double r = 0;
    for (int64_t j = 0; j < PT; ++j) {
      const double dv = static_cast<double>(dn[j * PI + i]);
      const double ddt =
          cx_grad_dtilde(dv, dmin, S, static_cast<int64_t>(rs[j * 2 + 1]) == i ? gm : 0.0, q, b, sigma, eps);
      r += ddt * dv;
      dc[j * PI + i] = static_cast<T>(cx_dcos_direct(ddt, dmin, eps));
    }
    dc[jmin * PI + i] = static_cast<T>(static_cast<double>(dc[jmin * PI + i]) + cx_dcos_min(r, dmin, eps));
  }
}

// One thread per (n, i): dI[n, :, i] = rnorm (dIn - In <In, dIn>) in place (dI holds dIn on entry).
template <class T>
__global__ void cx_grad_input_kernel(const T* __restrict__ in, const double* __restrict__ rnorm, T* __restrict__ dI,
                                     int64_t N, int64_t C, int64_t PI) {
  DPT_KERNEL_LOOP(k, N * PI) {
    const int64_t n = k / PI, i = k % PI;
    double dot = 0;
    for (int64_t c = 0; c < C; ++c)
      dot += static_cast<double>(in[(n * C + c) * PI + i]) * static_cast<double>(dI[(n * C + c) * PI + i]);
    for (int64_t c = 0; c < C; ++c) {
      const int64_t e = (n * C + c) * PI + i;
      const double g = cx_unnormalize_grad(static_cast<double>(dI[e]), static_cast<double>(in[e]), dot, rnorm[k]);
      dI[e] = static_cast<T>(g);
    }
  }
}

}  // namespace

// T [N, C, PT], I [N, C, PI] -> loss (0-d) and the saved tensors (ops/contextual_loss.h).
void contextual_loss_forward(const Tensor& Tt, const Tensor& It, const CxParams& p, CxSaved& s, Tensor& loss) {
  const int64_t N = It.size(0), C = It.size(1), PT = Tt.size(2), PI = It.size(2);
  Tensor mu = Tensor::empty({C}, DType::F64, It.device());
  DPT_DISPATCH_FLOAT(It.dtype(), {
    using T = scalar_t;
    launch("cx_channel_mean", cx_channel_mean_kernel<T>, blocks_exact(C, 1), kBlock, 0, current_stream(),
           Tt.data<T>(), mu.data<double>(), N, C, PT);
    const double* pmu = mu.data<double>();
    launch("cx_normalise", cx_normalise_kernel<T>, blocks_for(N * PT), kThreads, 0, current_stream(), Tt.data<T>(), pmu,
           s.Tn.data<T>(), static_cast<double*>(nullptr), N, C, PT);
    launch("cx_normalise", cx_normalise_kernel<T>, blocks_for(N * PI), kThreads, 0, current_stream(), It.data<T>(), pmu,
           s.In.data<T>(), s.rnormI.data<double>(), N, C, PI);
    // cos[n] [PT, PI] = Tn[n]^T In[n]
    gemm<T>(true, false, PT, PI, C, T(1), s.Tn.data<T>(), PT, s.In.data<T>(), PI, T(0), s.d.data<T>(), PI, N, C * PT,
            C * PI, PT * PI);
    launch("cx_columns", cx_columns_kernel<T>, blocks_for(N * PI), kThreads, 0, current_stream(), s.d.data<T>(),
           s.colstats.data<double>(), N, PT, PI, p.b, p.sigma, p.eps);
    launch("cx_rows", cx_rows_kernel<T>, blocks_exact(N * PT, 1), kBlock, 0, current_stream(),
           static_cast<const T*>(s.d.data<T>()), static_cast<const double*>(s.colstats.data<double>()),
           s.rowstats.data<double>(), PT, PI, p.b, p.sigma, p.eps);
    launch("cx_loss", cx_loss_kernel<T>, dim3(1), kBlock, 0, current_stream(),
           static_cast<const double*>(s.rowstats.data<double>()), s.meanmax.data<double>(), loss.data<T>(), N, PT);
  });
}

void contextual_loss_backward(const CxSaved& s, const Tensor& g, const CxParams& p, Tensor& dI) {
  const int64_t N = s.In.size(0), C = s.In.size(1), PT = s.Tn.size(2), PI = s.In.size(2);
  Tensor dcos = Tensor::empty({N, PT, PI}, s.In.dtype(), s.In.device());
  DPT_DISPATCH_FLOAT(s.In.dtype(), {
    using T = scalar_t;
    launch("cx_grad_columns", cx_grad_columns_kernel<T>, blocks_for(N * PI), kThreads, 0, current_stream(),
           static_cast<const T*>(s.d.data<T>()), static_cast<const double*>(s.colstats.data<double>()),
           static_cast<const double*>(s.rowstats.data<double>()), static_cast<const double*>(s.meanmax.data<double>()),
           static_cast<const T*>(g.data<T>()), dcos.data<T>(), N, PT, PI, p.b, p.sigma, p.eps);
    // dIn[n] [C, PI] = Tn[n] [C, PT] dcos[n] [PT, PI]
    gemm<T>(false, false, C, PI, PT, T(1), s.Tn.data<T>(), PT, dcos.data<T>(), PI, T(0), dI.data<T>(), PI, N, C * PT,
            PT * PI, C * PI);
    launch("cx_grad_input", cx_grad_input_kernel<T>, blocks_for(N * PI), kThreads, 0, current_stream(),
           static_cast<const T*>(s.In.data<T>()), static_cast<const double*>(s.rnormI.data<double>()), dI.data<T>(), N,
           C, PI);
  });
}

}  // namespace dpt::cuda
