// The Frechet Inception Distance and the Inception Score from Inception-v3 outputs (eval/inception.h):
// plain maths on feature / logit matrices, in double, with LAPACK (OpenBLAS) for the matrix square root.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace dpt::eval {

// Note [FID]
// FID = |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr(sqrt(S1 S2)) over the features' means and covariances
// (sample covariance, divisor n - 1, as numpy.cov and pytorch-fid). Tr(sqrt(S1 S2)) is the sum of the square
// roots of the eigenvalues of S1 S2, which are real and >= 0 for PSD S1, S2. Two ways to get them, both
// without the non-symmetric scipy.linalg.sqrtm:
//  - covariance space (d x d): S1 = V diag(l) V^T, W = V diag(sqrt(l)); S1 S2 = W (W^T S2) has the
//    eigenvalues of the symmetric PSD W^T S2 W (dsyevd twice);
//  - data space (n1 x n2): with centred features A [n1, d], B [n2, d], S1 S2 = A^T (A B^T) B / k has the
//    nonzero eigenvalues of C C^T, C = A B^T / sqrt(k), k = (n1 - 1)(n2 - 1), so Tr(sqrt(S1 S2)) is the sum
//    of C's singular values (dgesdd). Exact for rank-deficient covariances (n < d), where the eigenvalue
//    route's sqrt amplifies rounding in the ~d - n zero eigenvalues; cheaper while n1, n2 <= d.
// kAuto takes the data space when n1 and n2 are both <= d, else the covariance space.
// Negative eigenvalues from rounding are clamped to 0. A set needs >= 2 features (n - 1 > 0).

enum class FidMethod { kAuto, kDataSpace, kCovariance };
// What kAuto picks for n1, n2 feature vectors of size d (never kAuto), and a name for reports.
FidMethod resolve_fid_method(int64_t n1, int64_t n2, int64_t d);
const char* fid_method_name(FidMethod m);  // "data space", "covariance"

// f1 [n1, d], f2 [n2, d] (any float dtype; rows are images) -> FID.
double frechet_distance(const Tensor& f1, const Tensor& f2, FidMethod method = FidMethod::kAuto);
// From statistics: mu [d], cov [d, d] symmetric PSD.
double frechet_distance_stats(const Tensor& mu1, const Tensor& cov1, const Tensor& mu2, const Tensor& cov2);
// Tr(sqrt(S1 S2)) for symmetric PSD s1, s2 [d, d] (covariance space).
double trace_sqrt_product(const Tensor& s1, const Tensor& s2);
// Mean [d] and sample covariance [d, d] (divisor n - 1) of f [n, d], float64.
Tensor feature_mean(const Tensor& f);
Tensor feature_cov(const Tensor& f);

// Note [Inception Score]
// IS = exp(E_x KL(p(y|x) || p(y))), p(y|x) = softmax(logits), p(y) the mean of p(y|x) over the split,
// computed per split and reported as mean and population std over the splits (the improved-GAN code:
// split k holds images [k n / s, (k + 1) n / s)). s = min(requested, max(1, n / 2)): the usual 10 from
// 20 images on; fewer splits below, so that each holds at least 2 images (a one-image split scores exactly 1
// whatever the image). Small splits bias IS low: compare only scores with the same split sizes.
struct InceptionScore {
  double mean = 0, std = 0;
  int splits = 0;
  int64_t count = 0;  // images
};
// logits [n, classes], n >= 1.
InceptionScore inception_score(const Tensor& logits, int splits = 10);

}  // namespace dpt::eval
