// CPU inference kernels of the Inception-v3 network (eval/inception_ops.h): rectangular convolution,
// 3x3 max / average pooling, global average pooling and the bilinear resize of its input.
#include "eval/inception_ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/threading.h"
#include "ops/conv2d.h"

namespace dpt::eval {

namespace {

void check_input(const char* op, const Tensor& x, int64_t rank) {
  DPT_CHECK(x.defined() && x.dim() == rank, op << ": expected a " << rank << "-D tensor, got "
                                                << (x.defined() ? x.shape_str() : "an undefined tensor"));
  DPT_CHECK(x.dtype() == DType::F32 && x.device().is_cpu(),
            op << ": expected float32 on the CPU, got " << x.describe());
}

struct ConvGeom {
  int64_t N, C, H, W, K, kh, kw, Ho, Wo;
};

ConvGeom check_conv(const char* op, const Tensor& x, const Tensor& w, const Tensor& b, int s, int ph, int pw) {
  check_input(op, x, 4);
  check_input(op, w, 4);
  DPT_CHECK(s >= 1 && ph >= 0 && pw >= 0, op << ": stride " << s << " must be >= 1, padding (" << ph << ", " << pw
                                              << ") >= 0");
  DPT_CHECK(w.size(1) == x.size(1), op << ": weight " << w.shape_str() << " does not match x " << x.shape_str()
                                       << " (weight must be [K, C, kh, kw])");
  ConvGeom g{x.size(0), x.size(1), x.size(2), x.size(3), w.size(0), w.size(2), w.size(3), 0, 0};
  DPT_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == g.K && b.dtype() == DType::F32),
            op << ": bias must be float32 [" << g.K << "], got " << b.describe());
  DPT_CHECK(g.H + 2 * ph >= g.kh && g.W + 2 * pw >= g.kw,
            op << ": input " << x.shape_str() << " with padding (" << ph << ", " << pw
               << ") is smaller than the kernel " << w.shape_str());
  g.Ho = (g.H + 2 * ph - g.kh) / s + 1;
  g.Wo = (g.W + 2 * pw - g.kw) / s + 1;
  return g;
}

}  // namespace

Tensor conv2d_rect(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, int s, int ph, int pw) {
  const ConvGeom g = check_conv("conv2d_rect", x_in, w_in, b_in, s, ph, pw);
  const Tensor x = x_in.contiguous();
  const int64_t rows = g.C * g.kh * g.kw, P = g.Ho * g.Wo, HW = g.H * g.W;
  // col [N, C * kh * kw, Ho, Wo]: row (c, i, j) holds x[n, c] shifted by (i - ph, j - pw), zeros outside.
  Tensor col = Tensor::empty({g.N, rows, g.Ho, g.Wo});
  const float* px = x.data<float>();
  float* pc = col.data<float>();
  parallel_for(g.N * rows, 8, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / rows, r = t % rows;
      const int64_t c = r / (g.kh * g.kw), i = r / g.kw % g.kh, j = r % g.kw;
      const float* src = px + (n * g.C + c) * HW;
      float* dst = pc + t * P;
      for (int64_t oy = 0; oy < g.Ho; ++oy) {
        const int64_t iy = oy * s - ph + i;
        for (int64_t ox = 0; ox < g.Wo; ++ox) {
          const int64_t ix = ox * s - pw + j;
          dst[oy * g.Wo + ox] = iy >= 0 && iy < g.H && ix >= 0 && ix < g.W ? src[iy * g.W + ix] : 0.0f;
        }
      }
    }
  });
  // The convolution is then a 1x1 conv of col with w read as [K, C * kh * kw, 1, 1]: the engine's GEMM.
  return conv2d(col, w_in.contiguous().reshape({g.K, rows, 1, 1}), b_in, ConvParams{});
}

Tensor conv2d_rect_reference(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, int s, int ph, int pw) {
  const ConvGeom g = check_conv("conv2d_rect_reference", x_in, w_in, b_in, s, ph, pw);
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  Tensor out = Tensor::empty({g.N, g.K, g.Ho, g.Wo});
  const float* px = x.data<float>();
  const float* pw_ = w.data<float>();
  float* po = out.data<float>();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t k = 0; k < g.K; ++k)
      for (int64_t oy = 0; oy < g.Ho; ++oy)
        for (int64_t ox = 0; ox < g.Wo; ++ox) {
          double acc = b.defined() ? b.data<float>()[k] : 0.0;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t i = 0; i < g.kh; ++i)
              for (int64_t j = 0; j < g.kw; ++j) {
                const int64_t iy = oy * s - ph + i, ix = ox * s - pw + j;
                if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
                acc += static_cast<double>(px[((n * g.C + c) * g.H + iy) * g.W + ix]) *
                       pw_[((k * g.C + c) * g.kh + i) * g.kw + j];
              }
          po[((n * g.K + k) * g.Ho + oy) * g.Wo + ox] = static_cast<float>(acc);
        }
  return out;
}

Tensor max_pool3x3_s2(const Tensor& x_in) {
  check_input("max_pool3x3_s2", x_in, 4);
  const Tensor x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  DPT_CHECK(H >= 3 && W >= 3, "max_pool3x3_s2: input " << x.shape_str() << " is smaller than the 3x3 window");
  const int64_t Ho = (H - 3) / 2 + 1, Wo = (W - 3) / 2 + 1;
  Tensor out = Tensor::empty({N, C, Ho, Wo});
  const float* px = x.data<float>();
  float* po = out.data<float>();
  parallel_for(N * C, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* src = px + p * H * W;
      for (int64_t oy = 0; oy < Ho; ++oy)
        for (int64_t ox = 0; ox < Wo; ++ox) {
          float m = src[2 * oy * W + 2 * ox];
          for (int64_t i = 0; i < 3; ++i)
            for (int64_t j = 0; j < 3; ++j) {
              const float v = src[(2 * oy + i) * W + 2 * ox + j];
              if (v > m || std::isnan(v)) m = v;  // NaN propagates, as in PyTorch
            }
          po[(p * Ho + oy) * Wo + ox] = m;
        }
    }
  });
  return out;
}

Tensor avg_pool3x3_s1_p1(const Tensor& x_in) {
  check_input("avg_pool3x3_s1_p1", x_in, 4);
  const Tensor x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor out = Tensor::empty(x.shape());
  const float* px = x.data<float>();
  float* po = out.data<float>();
  parallel_for(N * C, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* src = px + p * H * W;
      for (int64_t y = 0; y < H; ++y)
        for (int64_t xx = 0; xx < W; ++xx) {
          float acc = 0.0f;
          for (int64_t iy = std::max<int64_t>(0, y - 1); iy <= std::min(H - 1, y + 1); ++iy)
            for (int64_t ix = std::max<int64_t>(0, xx - 1); ix <= std::min(W - 1, xx + 1); ++ix)
              acc += src[iy * W + ix];
          po[p * H * W + y * W + xx] = acc / 9.0f;  // count_include_pad=True: always 9
        }
    }
  });
  return out;
}

Tensor global_avg_pool(const Tensor& x_in) {
  check_input("global_avg_pool", x_in, 4);
  const Tensor x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
  DPT_CHECK(HW > 0, "global_avg_pool: empty spatial size in " << x.shape_str());
  Tensor out = Tensor::empty({N, C});
  const float* px = x.data<float>();
  float* po = out.data<float>();
  parallel_for(N * C, 16, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      double acc = 0;
      for (int64_t i = 0; i < HW; ++i) acc += px[p * HW + i];
      po[p] = static_cast<float>(acc / static_cast<double>(HW));
    }
  });
  return out;
}

namespace {

// Source taps of Note [bilinear resize] along one axis.
struct Taps {
  std::vector<int64_t> i0, i1;
  std::vector<double> f;
};

Taps bilinear_taps(int64_t in, int64_t out) {
  Taps t;
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (int64_t o = 0; o < out; ++o) {
    const double src = std::max(0.0, (static_cast<double>(o) + 0.5) * scale - 0.5);
    const int64_t i0 = std::min(static_cast<int64_t>(src), in - 1);
    t.i0.push_back(i0);
    t.i1.push_back(std::min(i0 + 1, in - 1));
    t.f.push_back(src - static_cast<double>(i0));
  }
  return t;
}

}  // namespace

Tensor resize_bilinear(const Tensor& x_in, int64_t out_h, int64_t out_w) {
  check_input("resize_bilinear", x_in, 3);
  DPT_CHECK(out_h >= 1 && out_w >= 1, "resize_bilinear: output size " << out_h << "x" << out_w << " must be >= 1");
  const Tensor x = x_in.contiguous();
  const int64_t C = x.size(0), H = x.size(1), W = x.size(2);
  DPT_CHECK(H >= 1 && W >= 1, "resize_bilinear: empty input " << x.shape_str());
  const Taps ty = bilinear_taps(H, out_h), tx = bilinear_taps(W, out_w);
  Tensor out = Tensor::empty({C, out_h, out_w});
  const float* px = x.data<float>();
  float* po = out.data<float>();
  parallel_for(C * out_h, 16, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t c = r / out_h, oy = r % out_h;
      const float* row0 = px + (c * H + ty.i0[oy]) * W;
      const float* row1 = px + (c * H + ty.i1[oy]) * W;
      const double fy = ty.f[oy];
      for (int64_t ox = 0; ox < out_w; ++ox) {
        const double fx = tx.f[ox];
        const double top = (1 - fx) * row0[tx.i0[ox]] + fx * row0[tx.i1[ox]];
        const double bottom = (1 - fx) * row1[tx.i0[ox]] + fx * row1[tx.i1[ox]];
        po[r * out_w + ox] = static_cast<float>((1 - fy) * top + fy * bottom);
      }
    }
  });
  return out;
}

}  // namespace dpt::eval
