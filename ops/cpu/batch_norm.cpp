// CPU batch norm (ops/batch_norm.h): one channel per task for the statistics and the gradient sums,
// maths from ops/batch_norm_math.h.
#include "core/threading.h"
#include "ops/batch_norm.h"
#include "ops/batch_norm_math.h"

namespace dpt::cpu {

namespace {
struct Dims {
  int64_t N, C, L;
};
Dims dims(const Tensor& x) {
  const int64_t N = x.size(0), C = x.size(1);
  return {N, C, N * C != 0 ? x.numel() / (N * C) : 0};
}
}  // namespace

// x [N, C, L] -> mean, var [C] (float64, biased), shifted by each channel's first element.
void batch_norm_stats(const Tensor& x, Tensor& mean, Tensor& var) {
  const Dims d = dims(x);
  const int64_t n = d.N * d.L;
  DPT_CHECK(n > 0, "batch_norm: empty channels in " << x.shape_str());
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    double* pm = mean.data<double>();
    double* pv = var.data<double>();
    parallel_for(d.C, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const double shift = px[c * d.L];
        double s1 = 0, s2 = 0;
        for (int64_t k = 0; k < d.N; ++k) {
          const scalar_t* row = px + (k * d.C + c) * d.L;
          for (int64_t l = 0; l < d.L; ++l) {
            const double v = static_cast<double>(row[l]) - shift;
            s1 += v;
            s2 += v * v;
          }
        }
        bn_stats(s1, s2, n, shift, &pm[c], &pv[c]);
      }
    });
  });
}

void batch_norm_forward(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& weight,
                        const Tensor& bias, double eps, Tensor& out) {
  const Dims d = dims(x);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pw = weight.data<scalar_t>();
    const scalar_t* pb = bias.data<scalar_t>();
    const double* pm = mean.data<double>();
    const double* pv = var.data<double>();
    scalar_t* po = out.data<scalar_t>();
    parallel_for(d.N * d.C, std::max<int64_t>(1, 16384 / std::max<int64_t>(d.L, 1)), [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        const int64_t c = p % d.C;
        const double r = bn_rstd(pv[c], eps);
        for (int64_t l = 0; l < d.L; ++l) po[p * d.L + l] = bn_normalize(px[p * d.L + l], pm[c], r, pw[c], pb[c]);
      }
    });
  });
}

void batch_norm_update_running(const Tensor& mean, const Tensor& var, int64_t n, double momentum,
                               Tensor& running_mean, Tensor& running_var) {
  const int64_t C = mean.numel();
  const double unbias = static_cast<double>(n) / static_cast<double>(n - 1);
  DPT_DISPATCH_FLOAT(running_mean.dtype(), {
    scalar_t* rm = running_mean.data<scalar_t>();
    scalar_t* rv = running_var.data<scalar_t>();
    const double* pm = mean.data<double>();
    const double* pv = var.data<double>();
    for (int64_t c = 0; c < C; ++c) {
      rm[c] = bn_running(rm[c], pm[c], momentum);
      rv[c] = bn_running(rv[c], pv[c] * unbias, momentum);
    }
  });
}

void batch_norm_backward(const Tensor& x, const Tensor& gout, const Tensor& mean, const Tensor& var,
                         const Tensor& weight, double eps, bool batch_stats, Tensor& gx, Tensor& gw, Tensor& gb) {
  const Dims d = dims(x);
  const int64_t n = d.N * d.L;
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pg = gout.data<scalar_t>();
    const scalar_t* pw = weight.data<scalar_t>();
    const double* pm = mean.data<double>();
    const double* pv = var.data<double>();
    scalar_t* pgx = gx.data<scalar_t>();
    scalar_t* pgw = gw.data<scalar_t>();
    scalar_t* pgb = gb.data<scalar_t>();
    parallel_for(d.C, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const double r = bn_rstd(pv[c], eps);
        double sg = 0, sgx = 0;
        for (int64_t k = 0; k < d.N; ++k)
          for (int64_t l = 0; l < d.L; ++l) {
            const int64_t i = (k * d.C + c) * d.L + l;
            sg += pg[i];
            sgx += static_cast<double>(pg[i]) * ((static_cast<double>(px[i]) - pm[c]) * r);
          }
        pgb[c] = static_cast<scalar_t>(sg);
        pgw[c] = static_cast<scalar_t>(sgx);
        const double wr = static_cast<double>(pw[c]) * r, mg = n ? sg / n : 0, mgx = n ? sgx / n : 0;
        for (int64_t k = 0; k < d.N; ++k)
          for (int64_t l = 0; l < d.L; ++l) {
            const int64_t i = (k * d.C + c) * d.L + l;
            pgx[i] = bn_grad_input(pg[i], (static_cast<double>(px[i]) - pm[c]) * r, wr, mg, mgx, batch_stats);
          }
      }
    });
  });
}

}  // namespace dpt::cpu
