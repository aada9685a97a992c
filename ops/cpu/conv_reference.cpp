// Reference conv2d / conv_transpose2d: the definitions as plain loops in double (STYLE habit 1).
// conv_transpose2d is written as its own scatter definition, not via conv2d, so the two check each other.
#include <vector>

#include "ops/conv2d.h"

namespace dpt::cpu {

namespace {

struct Dims {
  int64_t N, Ci, H, W, Co, Ho, Wo, kh, kw, sh, sw, ph, pw, g;
};

Tensor to_tensor_like(const std::vector<double>& v, const Tensor& like) {
  return Tensor::from_vector(v, like.shape()).to(like.dtype());
}

// Visits every (n, input channel ci, input pixel, output channel co, output pixel, ky, kx) connected
// by conv2d with input [N, Ci, H, W] and output [N, Co, Ho, Wo]; fn(xi, wi, yi) gets flat indices into
// x, the conv2d-layout weight [Co, Ci/g, kh, kw] and y.
template <class F> void for_each_tap(const Dims& d, F fn) {
  const int64_t cig = d.Ci / d.g, cog = d.Co / d.g;
  for (int64_t n = 0; n < d.N; ++n)
    for (int64_t co = 0; co < d.Co; ++co)
      for (int64_t oy = 0; oy < d.Ho; ++oy)
        for (int64_t ox = 0; ox < d.Wo; ++ox)
          for (int64_t c = 0; c < cig; ++c)
            for (int64_t ky = 0; ky < d.kh; ++ky)
              for (int64_t kx = 0; kx < d.kw; ++kx) {
                const int64_t iy = oy * d.sh - d.ph + ky, ix = ox * d.sw - d.pw + kx;
                if (iy < 0 || iy >= d.H || ix < 0 || ix >= d.W) continue;
                const int64_t ci = co / cog * cig + c;
                fn(((n * d.Ci + ci) * d.H + iy) * d.W + ix, ((co * cig + c) * d.kh + ky) * d.kw + kx,
                   ((n * d.Co + co) * d.Ho + oy) * d.Wo + ox);
              }
}

// Same for conv_transpose2d with input x [N, Ci, H, W], weight [Ci, Co/g, kh, kw], output [N, Co, Ho, Wo]:
// output pixel (iy*sh - ph + ky, ix*sw - pw + kx) receives x[n, ci, iy, ix] w[ci, co, ky, kx].
template <class F> void for_each_transposed_tap(const Dims& d, F fn) {
  const int64_t cig = d.Ci / d.g, cog = d.Co / d.g;
  for (int64_t n = 0; n < d.N; ++n)
    for (int64_t ci = 0; ci < d.Ci; ++ci)
      for (int64_t iy = 0; iy < d.H; ++iy)
        for (int64_t ix = 0; ix < d.W; ++ix)
          for (int64_t c = 0; c < cog; ++c)
            for (int64_t ky = 0; ky < d.kh; ++ky)
              for (int64_t kx = 0; kx < d.kw; ++kx) {
                const int64_t oy = iy * d.sh - d.ph + ky, ox = ix * d.sw - d.pw + kx;
                if (oy < 0 || oy >= d.Ho || ox < 0 || ox >= d.Wo) continue;
                const int64_t co = ci / cig * cog + c;
                fn(((n * d.Ci + ci) * d.H + iy) * d.W + ix, ((ci * cog + c) * d.kh + ky) * d.kw + kx,
                   ((n * d.Co + co) * d.Ho + oy) * d.Wo + ox);
              }
}

Dims dims(const Tensor& x, const Tensor& w, const Tensor& y, const ConvParams& p) {
  return {x.size(0), x.size(1), x.size(2), x.size(3), y.size(1), y.size(2), y.size(3), w.size(2), w.size(3),
          p.stride.h, p.stride.w, p.padding.h, p.padding.w, p.groups};
}

std::vector<double> bias_init(const Tensor& b, const Tensor& y) {
  std::vector<double> out(y.numel(), 0.0);
  if (!b.defined()) return out;
  std::vector<double> bv = b.to_vector();
  const int64_t C = y.size(1), HW = y.size(2) * y.size(3);
  for (int64_t i = 0; i < y.numel(); ++i) out[i] = bv[i / HW % C];
  return out;
}

std::vector<double> channel_sums(const Tensor& g) {
  std::vector<double> gv = g.to_vector(), out(g.size(1), 0.0);
  const int64_t C = g.size(1), HW = g.size(2) * g.size(3);
  for (int64_t i = 0; i < g.numel(); ++i) out[i / HW % C] += gv[i];
  return out;
}

template <class Taps>
void backward_reference(const Tensor& x, const Tensor& w, const Tensor& gout, Tensor& gx, Tensor& gw, Tensor& gb,
                        Taps taps) {
  std::vector<double> xv = x.to_vector(), wv = w.to_vector(), gv = gout.to_vector();
  std::vector<double> gxv(x.numel(), 0.0), gwv(w.numel(), 0.0);
  taps([&](int64_t xi, int64_t wi, int64_t yi) {
    gxv[xi] += gv[yi] * wv[wi];
    gwv[wi] += gv[yi] * xv[xi];
  });
  if (gx.defined()) gx.copy_(to_tensor_like(gxv, gx));
  if (gw.defined()) gw.copy_(to_tensor_like(gwv, gw));
  if (gb.defined()) gb.copy_(to_tensor_like(channel_sums(gout), gb));
}

}  // namespace

void conv2d_forward_reference(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out) {
  std::vector<double> xv = x.to_vector(), wv = w.to_vector(), ov = bias_init(b, out);
  for_each_tap(dims(x, w, out, p), [&](int64_t xi, int64_t wi, int64_t yi) { ov[yi] += xv[xi] * wv[wi]; });
  out.copy_(to_tensor_like(ov, out));
}

void conv2d_backward_reference(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p,
                               Tensor& gx, Tensor& gw, Tensor& gb) {
  const Dims d = dims(x, w, gout, p);
  backward_reference(x, w, gout, gx, gw, gb, [&](auto fn) { for_each_tap(d, fn); });
}

void conv_transpose2d_forward_reference(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p,
                                        Tensor& out) {
  std::vector<double> xv = x.to_vector(), wv = w.to_vector(), ov = bias_init(b, out);
  for_each_transposed_tap(dims(x, w, out, p),
                          [&](int64_t xi, int64_t wi, int64_t yi) { ov[yi] += xv[xi] * wv[wi]; });
  out.copy_(to_tensor_like(ov, out));
}

void conv_transpose2d_backward_reference(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p,
                                         Tensor& gx, Tensor& gw, Tensor& gb) {
  const Dims d = dims(x, w, gout, p);
  backward_reference(x, w, gout, gx, gw, gb, [&](auto fn) { for_each_transposed_tap(d, fn); });
}

}  // namespace dpt::cpu
