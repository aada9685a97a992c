// FID and Inception Score (eval/fid.h): features to double, the two routes of Note [FID] through
// LAPACK's dsyevd / dgesdd (OpenBLAS ships them; no LAPACKE header, so the Fortran symbols are declared
// here), and the split-wise Inception Score.
#include "eval/fid.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"

extern "C" {
// Fortran LAPACK (column-major; trailing hidden lengths of the character arguments, as gfortran passes them).
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
             const int* lwork, int* iwork, const int* liwork, int* info, size_t jobz_len, size_t uplo_len);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s, double* u,
             const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* iwork, int* info,
             size_t jobz_len);
}

namespace dpt::eval {

namespace {

// A row-major double matrix.
struct Mat {
  int64_t rows = 0, cols = 0;
  std::vector<double> v;
};

Mat to_mat(const Tensor& t, const char* what) {
  DPT_CHECK(t.defined() && t.dim() == 2, "FID: " << what << " must be 2-D, got "
                                                  << (t.defined() ? t.shape_str() : "an undefined tensor"));
  Mat m{t.size(0), t.size(1), t.to_vector()};
  for (double x : m.v) DPT_CHECK(std::isfinite(x), "FID: " << what << " " << t.shape_str() << " holds NaN or Inf");
  return m;
}

int as_int(int64_t n, const char* what) {
  DPT_CHECK(n >= 0 && n <= 1000000, "FID: " << what << " " << n << " is too large for LAPACK here");
  return static_cast<int>(n);
}

// Eigenvalues (ascending) of the symmetric n x n matrix a (lower triangle read); with `vectors`, a is
// overwritten by the eigenvectors as columns (column-major: a[i + j n] is component i of vector j).
std::vector<double> symmetric_eigen(std::vector<double>& a, int n, bool vectors) {
  std::vector<double> w(static_cast<size_t>(n));
  if (n == 0) return w;
  const char jobz = vectors ? 'V' : 'N', uplo = 'L';
  int lwork = -1, liwork = -1, info = 0, iwork_size = 0;
  double work_size = 0;
  dsyevd_(&jobz, &uplo, &n, a.data(), &n, w.data(), &work_size, &lwork, &iwork_size, &liwork, &info, 1, 1);
  DPT_CHECK(info == 0, "FID: LAPACK dsyevd workspace query failed (info " << info << ", n " << n << ")");
  lwork = std::max(1, static_cast<int>(work_size));
  liwork = std::max(1, iwork_size);
  std::vector<double> work(static_cast<size_t>(lwork));
  std::vector<int> iwork(static_cast<size_t>(liwork));
  dsyevd_(&jobz, &uplo, &n, a.data(), &n, w.data(), work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1);
  DPT_CHECK(info == 0, "FID: LAPACK dsyevd failed (info " << info << ") on a " << n << "x" << n << " matrix");
  return w;
}

// Sum of the singular values (nuclear norm) of a row-major m x n matrix (destroyed).
double nuclear_norm(std::vector<double>& a, int m, int n) {
  if (m == 0 || n == 0) return 0;
  // Row-major m x n is column-major n x m (the transpose): same singular values.
  const char jobz = 'N';
  const int rows = n, cols = m, lda = n, one = 1;
  std::vector<double> s(static_cast<size_t>(std::min(m, n)));
  std::vector<int> iwork(8 * s.size());
  double dummy = 0, work_size = 0;
  int lwork = -1, info = 0;
  dgesdd_(&jobz, &rows, &cols, a.data(), &lda, s.data(), &dummy, &one, &dummy, &one, &work_size, &lwork,
          iwork.data(), &info, 1);
  DPT_CHECK(info == 0, "FID: LAPACK dgesdd workspace query failed (info " << info << ")");
  lwork = std::max(1, static_cast<int>(work_size));
  std::vector<double> work(static_cast<size_t>(lwork));
  dgesdd_(&jobz, &rows, &cols, a.data(), &lda, s.data(), &dummy, &one, &dummy, &one, work.data(), &lwork,
          iwork.data(), &info, 1);
  DPT_CHECK(info == 0, "FID: LAPACK dgesdd failed (info " << info << ") on a " << m << "x" << n << " matrix");
  double sum = 0;
  for (double x : s) sum += x;
  return sum;
}

std::vector<double> column_mean(const Mat& f) {
  std::vector<double> mu(static_cast<size_t>(f.cols), 0.0);
  for (int64_t i = 0; i < f.rows; ++i)
    for (int64_t j = 0; j < f.cols; ++j) mu[j] += f.v[i * f.cols + j];
  for (double& x : mu) x /= static_cast<double>(f.rows);
  return mu;
}

// f minus its column means, in place.
void centre(Mat& f, const std::vector<double>& mu) {
  for (int64_t i = 0; i < f.rows; ++i)
    for (int64_t j = 0; j < f.cols; ++j) f.v[i * f.cols + j] -= mu[j];
}

// Sample covariance A^T A / (n - 1) of centred rows, [d, d] row-major (= column-major: symmetric).
std::vector<double> covariance(const Mat& a) {
  const int64_t d = a.cols;
  std::vector<double> s(static_cast<size_t>(d * d));
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, as_int(d, "d"), as_int(d, "d"), as_int(a.rows, "n"),
              1.0 / static_cast<double>(a.rows - 1), a.v.data(), as_int(d, "d"), a.v.data(), as_int(d, "d"), 0.0,
              s.data(), as_int(d, "d"));
  return s;
}

// Tr(sqrt(S1 S2)) by the covariance route of Note [FID]; s1, s2 symmetric d x d.
double trace_sqrt_product_impl(std::vector<double> s1, const std::vector<double>& s2, int64_t d64) {
  const int d = as_int(d64, "dimension");
  const std::vector<double> l = symmetric_eigen(s1, d, true);  // s1 now holds V
  std::vector<double> w;                                        // W = V diag(sqrt(l)), l > 0 columns only
  int r = 0;
  for (int j = 0; j < d; ++j) {
    if (!(l[j] > 0)) continue;
    const double sq = std::sqrt(l[j]);
    for (int i = 0; i < d; ++i) w.push_back(s1[static_cast<size_t>(j) * d + i] * sq);
    ++r;
  }
  if (r == 0) return 0;
  std::vector<double> t(static_cast<size_t>(d) * r), m(static_cast<size_t>(r) * r);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, r, d, 1.0, s2.data(), d, w.data(), d, 0.0, t.data(), d);
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, r, r, d, 1.0, w.data(), d, t.data(), d, 0.0, m.data(), r);
  double sum = 0;
  for (double mu : symmetric_eigen(m, r, false)) sum += std::sqrt(std::max(mu, 0.0));
  return sum;
}

std::vector<double> symmetrised(const Mat& s) {
  std::vector<double> out(s.v.size());
  for (int64_t i = 0; i < s.rows; ++i)
    for (int64_t j = 0; j < s.cols; ++j) out[i * s.cols + j] = 0.5 * (s.v[i * s.cols + j] + s.v[j * s.cols + i]);
  return out;
}

double sq_dist(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

Mat features(const Tensor& f, const char* what) {
  Mat m = to_mat(f, what);
  DPT_CHECK(m.rows >= 2, "FID: " << what << " has " << m.rows << " feature vector(s); a covariance needs at least 2");
  return m;
}

}  // namespace

FidMethod resolve_fid_method(int64_t n1, int64_t n2, int64_t d) {
  return n1 <= d && n2 <= d ? FidMethod::kDataSpace : FidMethod::kCovariance;
}

const char* fid_method_name(FidMethod m) {
  return m == FidMethod::kDataSpace ? "data space" : m == FidMethod::kCovariance ? "covariance" : "auto";
}

Tensor feature_mean(const Tensor& f) {
  const Mat m = to_mat(f, "features");
  DPT_CHECK(m.rows >= 1, "FID: no feature vectors");
  return Tensor::from_vector(column_mean(m), {m.cols});
}

Tensor feature_cov(const Tensor& f) {
  Mat m = features(f, "features");
  centre(m, column_mean(m));
  return Tensor::from_vector(covariance(m), {m.cols, m.cols});
}

double trace_sqrt_product(const Tensor& s1, const Tensor& s2) {
  const Mat a = to_mat(s1, "covariance 1"), b = to_mat(s2, "covariance 2");
  DPT_CHECK(a.rows == a.cols && b.rows == b.cols && a.rows == b.rows,
            "FID: covariances must be square and of one size, got " << s1.shape_str() << " and " << s2.shape_str());
  return trace_sqrt_product_impl(symmetrised(a), symmetrised(b), a.rows);
}

double frechet_distance_stats(const Tensor& mu1, const Tensor& cov1, const Tensor& mu2, const Tensor& cov2) {
  DPT_CHECK(mu1.defined() && mu2.defined() && mu1.dim() == 1 && mu2.dim() == 1 && mu1.size(0) == mu2.size(0) &&
                cov1.defined() && cov1.dim() == 2 && cov1.size(0) == mu1.size(0),
            "FID: means must be [d] and covariances [d, d] of one d, got mu1 "
                << (mu1.defined() ? mu1.shape_str() : "undefined") << ", cov1 "
                << (cov1.defined() ? cov1.shape_str() : "undefined") << ", mu2 "
                << (mu2.defined() ? mu2.shape_str() : "undefined"));
  const Mat a = to_mat(cov1, "covariance 1"), b = to_mat(cov2, "covariance 2");
  double tr = 0;
  for (int64_t i = 0; i < a.rows; ++i) tr += a.v[i * a.cols + i];
  for (int64_t i = 0; i < b.rows; ++i) tr += b.v[i * b.cols + i];
  return sq_dist(mu1.to_vector(), mu2.to_vector()) + tr - 2 * trace_sqrt_product(cov1, cov2);
}

double frechet_distance(const Tensor& f1, const Tensor& f2, FidMethod method) {
  Mat a = features(f1, "set 1"), b = features(f2, "set 2");
  DPT_CHECK(a.cols == b.cols, "FID: feature sizes differ: " << f1.shape_str() << " vs " << f2.shape_str());
  const int64_t d = a.cols;
  const std::vector<double> mu1 = column_mean(a), mu2 = column_mean(b);
  centre(a, mu1);
  centre(b, mu2);
  double tr1 = 0, tr2 = 0;
  for (double x : a.v) tr1 += x * x;
  for (double x : b.v) tr2 += x * x;
  tr1 /= static_cast<double>(a.rows - 1);
  tr2 /= static_cast<double>(b.rows - 1);
  if (method == FidMethod::kAuto) method = resolve_fid_method(a.rows, b.rows, d);
  double tr_sqrt = 0;
  if (method == FidMethod::kDataSpace) {
    const int n1 = as_int(a.rows, "n1"), n2 = as_int(b.rows, "n2"), dd = as_int(d, "d");
    const double k = static_cast<double>(a.rows - 1) * static_cast<double>(b.rows - 1);
    std::vector<double> c(static_cast<size_t>(n1) * n2);  // C = A B^T / sqrt(k), [n1, n2]
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n1, n2, dd, 1.0 / std::sqrt(k), a.v.data(), dd, b.v.data(),
                dd, 0.0, c.data(), n2);
    tr_sqrt = nuclear_norm(c, n1, n2);
  } else {
    tr_sqrt = trace_sqrt_product_impl(covariance(a), covariance(b), d);
  }
  return sq_dist(mu1, mu2) + tr1 + tr2 - 2 * tr_sqrt;
}

InceptionScore inception_score(const Tensor& logits, int splits) {
  DPT_CHECK(logits.defined() && logits.dim() == 2 && logits.size(0) >= 1 && logits.size(1) >= 1,
            "Inception Score: logits must be [n >= 1, classes >= 1], got "
                << (logits.defined() ? logits.shape_str() : "an undefined tensor"));
  DPT_CHECK(splits >= 1, "Inception Score: splits must be >= 1, got " << splits);
  const int64_t n = logits.size(0), K = logits.size(1);
  std::vector<double> logp = logits.to_vector();  // log-softmax per row
  for (int64_t i = 0; i < n; ++i) {
    double* z = logp.data() + i * K;
    double mx = z[0];
    for (int64_t j = 0; j < K; ++j) {
      DPT_CHECK(std::isfinite(z[j]), "Inception Score: logit [" << i << ", " << j << "] is " << z[j]);
      mx = std::max(mx, z[j]);
    }
    double s = 0;
    for (int64_t j = 0; j < K; ++j) s += std::exp(z[j] - mx);
    const double lse = mx + std::log(s);
    for (int64_t j = 0; j < K; ++j) z[j] -= lse;
  }
  InceptionScore r;
  r.count = n;
  r.splits = static_cast<int>(std::min<int64_t>(splits, std::max<int64_t>(1, n / 2)));
  std::vector<double> scores;
  for (int64_t k = 0; k < r.splits; ++k) {
    const int64_t b = k * n / r.splits, e = (k + 1) * n / r.splits;
    std::vector<double> py(static_cast<size_t>(K), 0.0);
    for (int64_t i = b; i < e; ++i)
      for (int64_t j = 0; j < K; ++j) py[j] += std::exp(logp[i * K + j]);
    for (double& x : py) x /= static_cast<double>(e - b);
    double kl = 0;
    for (int64_t i = b; i < e; ++i)
      for (int64_t j = 0; j < K; ++j) {
        const double p = std::exp(logp[i * K + j]);
        if (p > 0) kl += p * (logp[i * K + j] - std::log(py[j]));
      }
    scores.push_back(std::exp(kl / static_cast<double>(e - b)));
  }
  for (double s : scores) r.mean += s;
  r.mean /= static_cast<double>(scores.size());
  for (double s : scores) r.std += (s - r.mean) * (s - r.mean);
  r.std = std::sqrt(r.std / static_cast<double>(scores.size()));
  return r;
}

}  // namespace dpt::eval
