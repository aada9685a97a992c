// CPU contextual loss (ops/contextual_loss.h): packed GEMMs (Note [packed GEMM]) for the cosine matrix and
// its VJP, parallel over column chunks; the column passes (min, sum of w, gradient) over blocks of
// generated positions i, the row pass (max over i) over target positions j. Every sum has a fixed order:
// results do not depend on the thread count (OpenBLAS's sgemm does not promise that, so it is not used).
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/threading.h"
#include "ops/contextual_loss.h"
#include "ops/contextual_loss_math.h"
#include "ops/cpu/packed_gemm.h"

namespace dpt::cpu {

namespace {
constexpr int64_t kColBlock = 64;  // generated positions per task in the column passes

// C[M, N] (row stride ldc) = A B with A(i, k) = a[i ars + k acs], B(k, j) = b[k brs + j bcs]: A packed once,
// tasks own chunks of columns, so every element sums over k in the same order for any thread count.
template <class T>
void gemm_columns(int64_t M, int64_t N, int64_t K, const T* a, int64_t ars, int64_t acs, const T* b, int64_t brs,
                  int64_t bcs, T* c, int64_t ldc) {
  AlignedBuffer<T> ap(packed_a_size<T>(M, K));
  pack_a<T>(M, K, a, ars, acs, ap.data());
  const int64_t nr = gemm_tile<T>().nr, chunk = (256 + nr - 1) / nr * nr;
  parallel_for((N + chunk - 1) / chunk, 1, [&](int64_t t0, int64_t t1) {
    AlignedBuffer<T> bp(packed_b_size<T>(K, chunk));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t j0 = t * chunk, nc = std::min(chunk, N - j0);
      pack_b<T>(K, nc, b + j0 * bcs, brs, bcs, bp.data());
      gemm_packed<T>(M, nc, K, ap.data(), bp.data(), c + j0, ldc, false, nullptr);
    }
  });
}

// X [N, C, P] -> Xn = (X - mu) / ||X - mu|| per (n, position); rnorm [N, P] (optional).
template <class T>
void centre_normalise(const T* X, const std::vector<double>& mu, int64_t N, int64_t C, int64_t P, T* Xn,
                      double* rnorm) {
  parallel_for(N, 1, [&](int64_t b, int64_t e) {
    std::vector<double> ss(P);
    for (int64_t n = b; n < e; ++n) {
      std::fill(ss.begin(), ss.end(), 0.0);
      for (int64_t c = 0; c < C; ++c)
        for (int64_t q = 0; q < P; ++q) {
          const double v = static_cast<double>(X[(n * C + c) * P + q]) - mu[c];
          ss[q] += v * v;
        }
      for (int64_t q = 0; q < P; ++q) ss[q] = 1.0 / std::sqrt(ss[q]);
      for (int64_t c = 0; c < C; ++c)
        for (int64_t q = 0; q < P; ++q)
          Xn[(n * C + c) * P + q] = static_cast<T>((static_cast<double>(X[(n * C + c) * P + q]) - mu[c]) * ss[q]);
      if (rnorm)
        for (int64_t q = 0; q < P; ++q) rnorm[n * P + q] = ss[q];
    }
  });
}
}  // namespace

void contextual_loss_forward(const Tensor& Tt, const Tensor& It, const CxParams& p, CxSaved& s, Tensor& loss) {
  const int64_t N = It.size(0), C = It.size(1), PT = Tt.size(2), PI = It.size(2);
  DPT_DISPATCH_FLOAT(It.dtype(), {
    using T = scalar_t;
    const T* pt = Tt.data<T>();
    std::vector<double> mu(C, 0.0);  // channel mean of the target over batch and positions
    for (int64_t c = 0; c < C; ++c) {
      double acc = 0;
      for (int64_t n = 0; n < N; ++n)
        for (int64_t q = 0; q < PT; ++q) acc += pt[(n * C + c) * PT + q];
      mu[c] = acc / static_cast<double>(N * PT);
    }
    T* tn = s.Tn.data<T>();
    T* in = s.In.data<T>();
    centre_normalise(pt, mu, N, C, PT, tn, static_cast<double*>(nullptr));
    centre_normalise(It.data<T>(), mu, N, C, PI, in, s.rnormI.data<double>());
    T* pd = s.d.data<T>();
    double* col = s.colstats.data<double>();
    double* row = s.rowstats.data<double>();
    double* mm = s.meanmax.data<double>();
    double total = 0;
    for (int64_t n = 0; n < N; ++n) {
      T* d = pd + n * PT * PI;
      double* cs = col + n * PI * 3;
      double* rs = row + n * PT * 2;
      // cos [PT, PI] = Tn[n]^T In[n]: A(j, c) = Tn[n][c, j], B(c, i) = In[n][c, i]
      gemm_columns<T>(PT, PI, C, tn + n * C * PT, 1, PT, in + n * C * PI, PI, 1, d, PI);
      // Columns: d, min over j (first), then the sum of w over j.
      parallel_for((PI + kColBlock - 1) / kColBlock, 1, [&](int64_t b, int64_t e) {
        const int64_t i0 = b * kColBlock, i1 = std::min(PI, e * kColBlock);
        for (int64_t i = i0; i < i1; ++i) {
          cs[i * 3] = INFINITY;
          cs[i * 3 + 1] = 0;
          cs[i * 3 + 2] = 0;
        }
        for (int64_t j = 0; j < PT; ++j)
          for (int64_t i = i0; i < i1; ++i) {
            const T dv = cx_distance(d[j * PI + i]);
            d[j * PI + i] = dv;
            if (dv < cs[i * 3]) {
              cs[i * 3] = dv;
              cs[i * 3 + 1] = static_cast<double>(j);
            }
          }
        for (int64_t j = 0; j < PT; ++j)
          for (int64_t i = i0; i < i1; ++i) cs[i * 3 + 2] += cx_weight(d[j * PI + i], cs[i * 3], p.b, p.sigma, p.eps);
      });
      // Rows: max over i of cx = w / S (first maximum).
      parallel_for(PT, 16, [&](int64_t b, int64_t e) {
        for (int64_t j = b; j < e; ++j) {
          double best = -1;
          int64_t arg = 0;
          for (int64_t i = 0; i < PI; ++i) {
            const double cx = cx_weight(d[j * PI + i], cs[i * 3], p.b, p.sigma, p.eps) / cs[i * 3 + 2];
            if (cx > best) {
              best = cx;
              arg = i;
            }
          }
          rs[j * 2] = best;
          rs[j * 2 + 1] = static_cast<double>(arg);
        }
      });
      double acc = 0;
      for (int64_t j = 0; j < PT; ++j) acc += rs[j * 2];
      mm[n] = acc / static_cast<double>(PT);
      total += -std::log(mm[n]);
    }
    *loss.data<T>() = static_cast<T>(total / static_cast<double>(N));
  });
}

void contextual_loss_backward(const CxSaved& s, const Tensor& g, const CxParams& p, Tensor& dI) {
  const int64_t N = s.In.size(0), C = s.In.size(1), PT = s.Tn.size(2), PI = s.In.size(2);
  DPT_DISPATCH_FLOAT(s.In.dtype(), {
    using T = scalar_t;
    const double gl = static_cast<double>(*g.data<T>());
    const T* tn = s.Tn.data<T>();
    const T* in = s.In.data<T>();
    const double* rn = s.rnormI.data<double>();
    const T* pd = s.d.data<T>();
    const double* col = s.colstats.data<double>();
    const double* row = s.rowstats.data<double>();
    const double* mm = s.meanmax.data<double>();
    T* pdi = dI.data<T>();
    std::vector<T> dcos(PT * PI);
    std::vector<double> q(PI), gm(PT);
    for (int64_t n = 0; n < N; ++n) {
      const T* d = pd + n * PT * PI;
      const double* cs = col + n * PI * 3;
      const double* rs = row + n * PT * 2;
      // Cotangent of max_i cx[j, i] (through the mean over j, -log, the mean over n); q_i.
      std::fill(q.begin(), q.end(), 0.0);
      for (int64_t j = 0; j < PT; ++j) {
        gm[j] = -gl / (static_cast<double>(N) * mm[n] * static_cast<double>(PT));
        q[static_cast<int64_t>(rs[j * 2 + 1])] += gm[j] * rs[j * 2];
      }
      parallel_for((PI + kColBlock - 1) / kColBlock, 1, [&](int64_t b, int64_t e) {
        const int64_t i0 = b * kColBlock, i1 = std::min(PI, e * kColBlock);
        std::vector<double> r(i1 - i0, 0.0);
        for (int64_t j = 0; j < PT; ++j) {
          const int64_t jarg = static_cast<int64_t>(rs[j * 2 + 1]);
          for (int64_t i = i0; i < i1; ++i) {
            const double dv = d[j * PI + i], dmin = cs[i * 3];
            const double dcx = jarg == i ? gm[j] : 0.0;  // cotangent of cx[j, i]: only at row j's first maximum
            const double ddt = cx_grad_dtilde(dv, dmin, cs[i * 3 + 2], dcx, q[i], p.b, p.sigma, p.eps);
            r[i - i0] += ddt * dv;
            dcos[j * PI + i] = static_cast<T>(cx_dcos_direct(ddt, dmin, p.eps));
          }
        }
        for (int64_t i = i0; i < i1; ++i) {
          T& dc = dcos[static_cast<int64_t>(cs[i * 3 + 1]) * PI + i];
          dc = static_cast<T>(static_cast<double>(dc) + cx_dcos_min(r[i - i0], cs[i * 3], p.eps));
        }
      });
      // dIn [C, PI] = Tn[n] [C, PT] dcos [PT, PI], then through the normalisation.
      T* dn = pdi + n * C * PI;
      gemm_columns<T>(C, PI, PT, tn + n * C * PT, PT, 1, dcos.data(), PI, 1, dn, PI);
      const T* inn = in + n * C * PI;
      parallel_for((PI + kColBlock - 1) / kColBlock, 1, [&](int64_t b, int64_t e) {
        const int64_t i0 = b * kColBlock, i1 = std::min(PI, e * kColBlock);
        std::vector<double> dot(i1 - i0, 0.0);
        for (int64_t c = 0; c < C; ++c)
          for (int64_t i = i0; i < i1; ++i)
            dot[i - i0] += static_cast<double>(inn[c * PI + i]) * static_cast<double>(dn[c * PI + i]);
        for (int64_t c = 0; c < C; ++c)
          for (int64_t i = i0; i < i1; ++i)
            dn[c * PI + i] = static_cast<T>(
                cx_unnormalize_grad(dn[c * PI + i], inn[c * PI + i], dot[i - i0], rn[n * PI + i]));
      });
    }
  });
}

}  // namespace dpt::cpu
