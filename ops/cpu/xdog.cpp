// CPU kernel of xdog (Note [XDoG] in ops/xdog_math.h): gray, the row pass of both blurs, the column pass
// with D and X, a per-image min / max, then the normalised bytes. Double throughout; the min / max do not
// depend on the order, so the result is the same for any thread count.
#include <algorithm>
#include <vector>

#include "core/threading.h"
#include "ops/xdog.h"

namespace dpt::cpu {

namespace {

// One row of a separable blur with replicate borders: out[c] = sum_k w[k] in[clamp(c + k - r)].
void blur_row(const double* in, double* out, int64_t W, const XdogTaps& t) {
  for (int64_t c = 0; c < W; ++c) {
    double s = 0;
    for (int k = -t.radius; k <= t.radius; ++k) s += t.w[k + t.radius] * in[xdog_clamp(c + k, W)];
    out[c] = s;
  }
}

// Pixel (r, c) of the column pass over a row-blurred plane [H, W].
double blur_col(const double* in, int64_t r, int64_t c, int64_t H, int64_t W, const XdogTaps& t) {
  double s = 0;
  for (int k = -t.radius; k <= t.radius; ++k) s += t.w[k + t.radius] * in[xdog_clamp(r + k, H) * W + c];
  return s;
}

}  // namespace

void xdog_forward(const Tensor& rgb, const XdogParams& p, const XdogTaps& taps_s, const XdogTaps& taps_ks,
                  Tensor& edge, Tensor* mid) {
  const int64_t N = rgb.size(0), H = rgb.size(2), W = rgb.size(3), P = H * W;
  std::vector<double> gray(N * P), I(N * P), row_s(N * P), row_ks(N * P), X(N * P), lo(N * H), hi(N * H);
  DPT_DISPATCH_FLOAT(rgb.dtype(), {
    const scalar_t* in = rgb.data<scalar_t>();  // [N, 3, H, W]
    scalar_t* out = edge.data<scalar_t>();      // [N, 1, H, W]
    scalar_t* m[6] = {};
    if (mid)
      for (int i = 0; i < 6; ++i) m[i] = mid[i].data<scalar_t>();
    // Gray and the row pass, one task per (image, row).
    parallel_for(N * H, 8, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const int64_t n = t / H, r = t % H;
        const scalar_t* px = in + n * 3 * P + r * W;
        double *g = gray.data() + t * W, *i01 = I.data() + t * W;
        for (int64_t c = 0; c < W; ++c) {
          g[c] = xdog_gray(px[c], px[P + c], px[2 * P + c]);
          i01[c] = g[c] / 255.0;
        }
        blur_row(i01, row_s.data() + t * W, W, taps_s);
        blur_row(i01, row_ks.data() + t * W, W, taps_ks);
      }
    });
    // Column pass, D and X, and the per-row extremes of X.
    parallel_for(N * H, 8, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const int64_t n = t / H, r = t % H;
        double mn = 0, mx = 0;
        for (int64_t c = 0; c < W; ++c) {
          const double bs = blur_col(row_s.data() + n * P, r, c, H, W, taps_s);
          const double bks = blur_col(row_ks.data() + n * P, r, c, H, W, taps_ks);
          double d;
          const double x = xdog_value(bs, bks, p, &d);
          X[t * W + c] = x;
          mn = c == 0 ? x : std::min(mn, x);
          mx = c == 0 ? x : std::max(mx, x);
          if (mid) {
            const int64_t i = t * W + c;
            m[0][i] = static_cast<scalar_t>(gray[i]);
            m[1][i] = static_cast<scalar_t>(bs);
            m[2][i] = static_cast<scalar_t>(bks);
            m[3][i] = static_cast<scalar_t>(d);
            m[4][i] = static_cast<scalar_t>(x);
          }
        }
        lo[t] = mn;
        hi[t] = mx;
      }
    });
    // Normalisation per image.
    parallel_for(N * H, 8, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const int64_t n = t / H;
        const double mn = *std::min_element(lo.begin() + n * H, lo.begin() + (n + 1) * H);
        const double mx = *std::max_element(hi.begin() + n * H, hi.begin() + (n + 1) * H);
        for (int64_t c = 0; c < W; ++c) {
          const int64_t i = t * W + c;
          const double v = xdog_normalise(X[i], mn, mx);
          out[i] = static_cast<scalar_t>(xdog_byte(v));
          if (mid) m[5][i] = static_cast<scalar_t>(v);
        }
      }
    });
  });
}

}  // namespace dpt::cpu
