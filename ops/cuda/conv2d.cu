// CUDA conv2d and conv_transpose2d (ops/conv2d.h): im2col / col2im kernels around cuBLAS GEMMs
// (ops/cuda/gemm.cuh), groups as separate GEMMs, samples batched in chunks whose column buffer stays
// under 256 MiB. conv_transpose2d reuses conv2d's three passes with the roles swapped (Note
// [conv_transpose2d as conv2d] in ops/cpu/conv_gemm.h). col2im is a gather (each input pixel sums its
// own taps in a fixed order), so every pass is deterministic without atomics.
// The cuDNN fast path (--conv-backend cudnn, ops/cuda/conv_cudnn.cu) is taken first when selected.
// Launch: im2col / col2im / bias fill are 1-D grid-stride, 256 threads.
#include <algorithm>

#include "ops/conv2d.h"
#include "ops/cuda/channel_ops.cuh"
#include "ops/cuda/conv_cudnn.h"
#include "ops/cuda/gemm.cuh"
#include "ops/cuda/launch.cuh"

namespace dpt::cuda {
namespace {

// The conv2d view (as ConvShape in ops/cpu/conv_gemm.h): input [N, C, H, W] -> output [N, K, Ho, Wo],
// weight [K, C/g, kh, kw]. The column matrix of one sample is [C*kh*kw, Ho*Wo], group g owning the rows
// of its channels; strides (sh, sw) and zero padding (ph, pw) per axis.
struct ConvGeom {
  int64_t N, C, H, W;
  int64_t K, Ho, Wo;
  int kh, kw, sh, sw, ph, pw, groups;
};

DPT_HD inline int64_t geom_kk(const ConvGeom& g) { return static_cast<int64_t>(g.kh) * g.kw; }

// col [nb, C*kh*kw, Ho*Wo] <- x [nb, C, H, W] (zero outside the image).
template <class T>
__global__ void im2col_kernel(const T* __restrict__ x, T* __restrict__ col, int64_t nb, ConvGeom g) {
  const int64_t kk = geom_kk(g), HWo = g.Ho * g.Wo, rows = g.C * kk;
  DPT_KERNEL_LOOP(i, nb * rows * HWo) {
    const int64_t q = i % HWo, r = (i / HWo) % rows, n = i / (HWo * rows);
    const int64_t c = r / kk, ky = (r / g.kw) % g.kh, kx = r % g.kw;
    const int64_t iy = (q / g.Wo) * g.sh - g.ph + ky, ix = (q % g.Wo) * g.sw - g.pw + kx;
    col[i] = (iy >= 0 && iy < g.H && ix >= 0 && ix < g.W) ? x[((n * g.C + c) * g.H + iy) * g.W + ix] : T(0);
  }
}

// x [nb, C, H, W] = (bias[c] or 0) + the sum over the taps (ky, kx) that read pixel (iy, ix), in tap order.
template <class T>
__global__ void col2im_kernel(const T* __restrict__ col, const T* __restrict__ bias, T* __restrict__ x, int64_t nb,
                              ConvGeom g) {
  const int64_t kk = geom_kk(g), HWo = g.Ho * g.Wo;
  DPT_KERNEL_LOOP(i, nb * g.C * g.H * g.W) {
    const int64_t ix = i % g.W, iy = (i / g.W) % g.H, c = (i / (g.W * g.H)) % g.C, n = i / (g.W * g.H * g.C);
    const T* cn = col + (n * g.C + c) * kk * HWo;
    T acc = bias ? bias[c] : T(0);
    for (int ky = 0; ky < g.kh; ++ky) {
      const int64_t ty = iy + g.ph - ky;
      if (ty < 0 || ty % g.sh != 0 || ty / g.sh >= g.Ho) continue;
      const int64_t oy = ty / g.sh;
      for (int kx = 0; kx < g.kw; ++kx) {
        const int64_t tx = ix + g.pw - kx;
        if (tx < 0 || tx % g.sw != 0 || tx / g.sw >= g.Wo) continue;
        acc += cn[(ky * g.kw + kx) * HWo + oy * g.Wo + tx / g.sw];
      }
    }
    x[i] = acc;
  }
}

bool is_pointwise(const ConvGeom& g) {  // col == x
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
}

// Samples per chunk so that the column buffer stays under the budget.
int64_t chunk_samples(const ConvGeom& g, size_t elem) {
  const int64_t per_sample = g.C * geom_kk(g) * g.Ho * g.Wo * static_cast<int64_t>(elem);
  const int64_t budget = int64_t(256) << 20;
  return std::max<int64_t>(1, std::min<int64_t>(g.N, budget / std::max<int64_t>(per_sample, 1)));
}

template <class T>
void im2col(const ConvGeom& g, const T* x, int64_t nb, T* col) {
  const int64_t n = nb * g.C * geom_kk(g) * g.Ho * g.Wo;
  launch("im2col", im2col_kernel<T>, blocks_for(n), kThreads, 0, current_stream(), x, col, nb, g);
}

// out [N, K, Ho, Wo] = conv(x [N, C, H, W], w) + bias (bias may be null).
template <class T>
void conv_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* out, Device dev) {
  const int64_t kk = geom_kk(g), HW = g.H * g.W, HWo = g.Ho * g.Wo, Cg = g.C / g.groups, Kg = g.K / g.groups;
  if (bias) bias_fill(out, bias, g.N, g.K, HWo);
  const T beta = bias ? T(1) : T(0);
  const int64_t nb = chunk_samples(g, sizeof(T));
  Tensor colbuf = is_pointwise(g) ? Tensor() : Tensor::empty({nb * g.C * kk * HWo}, dtype_of<T>::value, dev);
  for (int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const int64_t nn = std::min(nb, g.N - n0);
    const T* col = x + n0 * g.C * HW;
    if (!is_pointwise(g)) {
      im2col(g, col, nn, colbuf.data<T>());
      col = colbuf.data<T>();
    }
    // per group, over the chunk's samples: out_n,g [Kg, HWo] (+)= w_g [Kg, Cg kk] col_n,g [Cg kk, HWo]
    for (int grp = 0; grp < g.groups; ++grp)
      gemm<T>(false, false, Kg, HWo, Cg * kk, T(1), w + grp * Kg * Cg * kk, Cg * kk, col + grp * Cg * kk * HWo, HWo,
              beta, out + n0 * g.K * HWo + grp * Kg * HWo, HWo, nn, 0, g.C * kk * HWo, g.K * HWo);
  }
}

// gx [N, C, H, W] = (bias or 0) + conv^T(gout [N, K, Ho, Wo]).
template <class T>
void conv_backward_data(const ConvGeom& g, const T* gout, const T* w, const T* bias, T* gx, Device dev) {
  const int64_t kk = geom_kk(g), HW = g.H * g.W, HWo = g.Ho * g.Wo, Cg = g.C / g.groups, Kg = g.K / g.groups;
  const int64_t nb = chunk_samples(g, sizeof(T));
  const bool pointwise = is_pointwise(g);
  Tensor colbuf = pointwise ? Tensor() : Tensor::empty({nb * g.C * kk * HWo}, dtype_of<T>::value, dev);
  if (pointwise && bias) bias_fill(gx, bias, g.N, g.C, HW);
  for (int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const int64_t nn = std::min(nb, g.N - n0);
    T* col = pointwise ? gx + n0 * g.C * HW : colbuf.data<T>();
    // col_n,g [Cg kk, HWo] = w_g^T [Cg kk, Kg] gout_n,g [Kg, HWo]
    for (int grp = 0; grp < g.groups; ++grp)
      gemm<T>(true, false, Cg * kk, HWo, Kg, T(1), w + grp * Kg * Cg * kk, Cg * kk, gout + n0 * g.K * HWo + grp * Kg * HWo,
              HWo, (pointwise && bias) ? T(1) : T(0), col + grp * Cg * kk * HWo, HWo, nn, 0, g.K * HWo, g.C * kk * HWo);
    if (!pointwise) {
      const int64_t n = nn * g.C * HW;
      launch("col2im", col2im_kernel<T>, blocks_for(n), kThreads, 0, current_stream(), static_cast<const T*>(col), bias,
             gx + n0 * g.C * HW, nn, g);
    }
  }
}

// gw [K, C/g, kh, kw] = sum_n gout_n [K, HWo] col_n^T (sample by sample, accumulating with beta = 1).
template <class T>
void conv_backward_weight(const ConvGeom& g, const T* x, const T* gout, T* gw, Device dev) {
  const int64_t kk = geom_kk(g), HW = g.H * g.W, HWo = g.Ho * g.Wo, Cg = g.C / g.groups, Kg = g.K / g.groups;
  const int64_t nb = chunk_samples(g, sizeof(T));
  const bool pointwise = is_pointwise(g);
  Tensor colbuf = pointwise ? Tensor() : Tensor::empty({nb * g.C * kk * HWo}, dtype_of<T>::value, dev);
  for (int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const int64_t nn = std::min(nb, g.N - n0);
    const T* col = x + n0 * g.C * HW;
    if (!pointwise) {
      im2col(g, col, nn, colbuf.data<T>());
      col = colbuf.data<T>();
    }
    // per sample, all groups at once: gw_g [Kg, Cg kk] (+)= gout_n,g [Kg, HWo] col_n,g^T [HWo, Cg kk]
    for (int64_t j = 0; j < nn; ++j)
      gemm<T>(false, true, Kg, Cg * kk, HWo, T(1), gout + (n0 + j) * g.K * HWo, HWo, col + j * g.C * kk * HWo, HWo,
              (n0 + j == 0) ? T(0) : T(1), gw, Cg * kk, g.groups, Kg * HWo, Cg * kk * HWo, Kg * Cg * kk);
  }
}

template <class T> const T* opt_data(const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }

// x [N, Cin, H, W], w [Cout, Cin/g, kh, kw], y [N, Cout, Ho, Wo].
ConvGeom conv2d_geom(const Tensor& x, const Tensor& w, const Tensor& y, const ConvParams& p) {
  return {x.size(0), x.size(1), x.size(2), x.size(3), y.size(1), y.size(2), y.size(3),
          static_cast<int>(w.size(2)), static_cast<int>(w.size(3)), p.stride.h, p.stride.w, p.padding.h, p.padding.w,
          p.groups};
}
// conv_transpose2d: x [N, Cin, H, W], w [Cin, Cout/g, kh, kw], y [N, Cout, Ho, Wo]; the conv2d view maps y -> x.
ConvGeom transpose_view(const Tensor& x, const Tensor& w, const Tensor& y, const ConvParams& p) {
  return {y.size(0), y.size(1), y.size(2), y.size(3), x.size(1), x.size(2), x.size(3),
          static_cast<int>(w.size(2)), static_cast<int>(w.size(3)), p.stride.h, p.stride.w, p.padding.h, p.padding.w,
          p.groups};
}

}  // namespace

void conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out) {
  if (cudnn_selected() && cudnn_conv2d_forward(x, w, b, p, out)) return;
  const ConvGeom g = conv2d_geom(x, w, out, p);
  DPT_DISPATCH_FLOAT(x.dtype(), conv_forward<scalar_t>(g, x.data<scalar_t>(), w.data<scalar_t>(), opt_data<scalar_t>(b),
                                                       out.data<scalar_t>(), x.device()));
}

void conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p, Tensor& gx, Tensor& gw,
                     Tensor& gb) {
  if (cudnn_selected() && cudnn_conv2d_backward(x, w, gout, p, gx, gw, gb)) return;
  const ConvGeom g = conv2d_geom(x, w, gout, p);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* go = gout.data<scalar_t>();
    if (gx.defined()) conv_backward_data<scalar_t>(g, go, w.data<scalar_t>(), nullptr, gx.data<scalar_t>(), x.device());
    if (gw.defined()) {
      if (g.N == 0) gw.zero_();
      else conv_backward_weight<scalar_t>(g, x.data<scalar_t>(), go, gw.data<scalar_t>(), x.device());
    }
    if (gb.defined()) channel_sum(gout, g.N, g.K, g.Ho * g.Wo, gb);
  });
}

void conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out) {
  if (cudnn_selected() && cudnn_conv_transpose2d_forward(x, w, b, p, out)) return;
  const ConvGeom g = transpose_view(x, w, out, p);
  DPT_DISPATCH_FLOAT(x.dtype(), conv_backward_data<scalar_t>(g, x.data<scalar_t>(), w.data<scalar_t>(),
                                                             opt_data<scalar_t>(b), out.data<scalar_t>(), x.device()));
}

void conv_transpose2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p, Tensor& gx,
                               Tensor& gw, Tensor& gb) {
  if (cudnn_selected() && cudnn_conv_transpose2d_backward(x, w, gout, p, gx, gw, gb)) return;
  const ConvGeom g = transpose_view(x, w, gout, p);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* go = gout.data<scalar_t>();
    if (gx.defined()) conv_forward<scalar_t>(g, go, w.data<scalar_t>(), nullptr, gx.data<scalar_t>(), x.device());
    if (gw.defined()) {
      if (g.N == 0) gw.zero_();
      else conv_backward_weight<scalar_t>(g, go, x.data<scalar_t>(), gw.data<scalar_t>(), x.device());
    }
    if (gb.defined()) channel_sum(gout, g.N, g.C, g.H * g.W, gb);
  });
}

}  // namespace dpt::cuda
