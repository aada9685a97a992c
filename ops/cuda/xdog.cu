// CUDA kernels of xdog (ops/xdog.h, Note [XDoG] in ops/xdog_math.h), in double like the CPU kernel.
// Launch: four 1-D grid-stride pixel kernels (gray, row pass, column pass with D and X, normalisation)
// and one 256-thread block per image for the min / max (a shared-memory tree: deterministic).
#include "ops/cuda/launch.cuh"
#include "ops/xdog.h"
#include "ops/xdog_math.h"

namespace dpt::cuda {
namespace {

constexpr int kBlock = 256;

// rgb [N, 3, P] -> i01 [N, P] = gray / 255 (and the gray bytes into mid_gray when given).
template <class T>
__global__ void xdog_gray_kernel(const T* __restrict__ rgb, double* __restrict__ i01, T* __restrict__ mid_gray,
                                 int64_t N, int64_t P) {
  DPT_KERNEL_LOOP(i, N * P) {
    const int64_t n = i / P, p = i % P;
    const T* px = rgb + n * 3 * P + p;
    const double g = xdog_gray(static_cast<double>(px[0]), static_cast<double>(px[P]), static_cast<double>(px[2 * P]));
    i01[i] = g / 255.0;
    if (mid_gray) mid_gray[i] = static_cast<T>(g);
  }
}

// Row pass of both blurs: i01 [N*H, W] -> row_s, row_ks [N*H, W] (replicate borders).
__global__ void xdog_row_kernel(const double* __restrict__ i01, double* __restrict__ row_s,
                                double* __restrict__ row_ks, int64_t NH, int64_t W, XdogTaps ts, XdogTaps tks) {
  DPT_KERNEL_LOOP(i, NH * W) {
    const int64_t c = i % W;
    const double* row = i01 + (i - c);
    double s = 0, ks = 0;
    for (int k = -ts.radius; k <= ts.radius; ++k) s += ts.w[k + ts.radius] * row[xdog_clamp(c + k, W)];
    for (int k = -tks.radius; k <= tks.radius; ++k) ks += tks.w[k + tks.radius] * row[xdog_clamp(c + k, W)];
    row_s[i] = s;
    row_ks[i] = ks;
  }
}

// Column pass, D and X: row_s, row_ks [N, H, W] -> X [N, H, W] (+ blur_s, blur_ks, D, X into mid).
template <class T>
__global__ void xdog_col_kernel(const double* __restrict__ row_s, const double* __restrict__ row_ks,
                                double* __restrict__ X, T* mid_bs, T* mid_bks, T* mid_d, T* mid_x, int64_t N,
                                int64_t H, int64_t W, XdogTaps ts, XdogTaps tks, XdogParams p) {
  DPT_KERNEL_LOOP(i, N * H * W) {
    const int64_t c = i % W, r = (i / W) % H, base = (i / (W * H)) * H * W;
    double s = 0, ks = 0;
    for (int k = -ts.radius; k <= ts.radius; ++k) s += ts.w[k + ts.radius] * row_s[base + xdog_clamp(r + k, H) * W + c];
    for (int k = -tks.radius; k <= tks.radius; ++k)
      ks += tks.w[k + tks.radius] * row_ks[base + xdog_clamp(r + k, H) * W + c];
    double d;
    const double x = xdog_value(s, ks, p, &d);
    X[i] = x;
    if (mid_bs) {
      mid_bs[i] = static_cast<T>(s);
      mid_bks[i] = static_cast<T>(ks);
      mid_d[i] = static_cast<T>(d);
      mid_x[i] = static_cast<T>(x);
    }
  }
}

// One block per image: lo[n], hi[n] = min and max of X[n, :].
__global__ void xdog_minmax_kernel(const double* __restrict__ X, double* __restrict__ lo, double* __restrict__ hi,
                                   int64_t P) {
  __shared__ double bmin[kBlock], bmax[kBlock];
  const int64_t n = blockIdx.x;
  const unsigned t = threadIdx.x;
  const double* x = X + n * P;
  double mn = x[0], mx = x[0];
  for (int64_t i = t; i < P; i += kBlock) {
    mn = x[i] < mn ? x[i] : mn;
    mx = x[i] > mx ? x[i] : mx;
  }
  bmin[t] = mn;
  bmax[t] = mx;
  __syncthreads();
  for (int s = kBlock / 2; s > 0; s >>= 1) {
    if (t < static_cast<unsigned>(s)) {
      bmin[t] = bmin[t + s] < bmin[t] ? bmin[t + s] : bmin[t];
      bmax[t] = bmax[t + s] > bmax[t] ? bmax[t + s] : bmax[t];
    }
    __syncthreads();
  }
  if (t == 0) {
    lo[n] = bmin[0];
    hi[n] = bmax[0];
  }
}

// X [N, P] -> edge bytes [N, P] (+ the normalised map into mid_n).
template <class T>
__global__ void xdog_normalise_kernel(const double* __restrict__ X, const double* __restrict__ lo,
                                      const double* __restrict__ hi, T* __restrict__ edge, T* __restrict__ mid_n,
                                      int64_t N, int64_t P) {
  DPT_KERNEL_LOOP(i, N * P) {
    const int64_t n = i / P;
    const double v = xdog_normalise(X[i], lo[n], hi[n]);
    edge[i] = static_cast<T>(xdog_byte(v));
    if (mid_n) mid_n[i] = static_cast<T>(v);
  }
}

}  // namespace

void xdog_forward(const Tensor& rgb, const XdogParams& p, const XdogTaps& taps_s, const XdogTaps& taps_ks,
                  Tensor& edge, Tensor* mid) {
  const int64_t N = rgb.size(0), H = rgb.size(2), W = rgb.size(3), P = H * W;
  const Device dev = rgb.device();
  Tensor i01 = Tensor::empty({N * P}, DType::F64, dev), row_s = Tensor::empty({N * P}, DType::F64, dev);
  Tensor row_ks = Tensor::empty({N * P}, DType::F64, dev), X = Tensor::empty({N * P}, DType::F64, dev);
  Tensor lo = Tensor::empty({N}, DType::F64, dev), hi = Tensor::empty({N}, DType::F64, dev);
  DPT_DISPATCH_FLOAT(rgb.dtype(), {
    scalar_t* m[6] = {};
    if (mid)
      for (int i = 0; i < 6; ++i) m[i] = mid[i].data<scalar_t>();
    const unsigned blocks = blocks_for(N * P);
    launch("xdog_gray", xdog_gray_kernel<scalar_t>, blocks, kThreads, 0, current_stream(), rgb.data<scalar_t>(),
           i01.data<double>(), m[0], N, P);
    launch("xdog_rows", xdog_row_kernel, blocks, kThreads, 0, current_stream(), i01.data<double>(),
           row_s.data<double>(), row_ks.data<double>(), N * H, W, taps_s, taps_ks);
    launch("xdog_cols", xdog_col_kernel<scalar_t>, blocks, kThreads, 0, current_stream(), row_s.data<double>(),
           row_ks.data<double>(), X.data<double>(), m[1], m[2], m[3], m[4], N, H, W, taps_s, taps_ks, p);
    launch("xdog_minmax", xdog_minmax_kernel, static_cast<unsigned>(N), kBlock, 0, current_stream(),
           X.data<double>(), lo.data<double>(), hi.data<double>(), P);
    launch("xdog_normalise", xdog_normalise_kernel<scalar_t>, blocks, kThreads, 0, current_stream(),
           X.data<double>(), lo.data<double>(), hi.data<double>(), edge.data<scalar_t>(), m[5], N, P);
  });
}

}  // namespace dpt::cuda
