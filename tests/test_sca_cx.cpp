// The contextual loss (docs/sca.md section 4, ops/contextual_loss.h): a plain loop reference, float64 gradient checks
// with the max and the division by min d + 1e-5 exercised, the first-maximum tie rule, golden parity.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/autograd.h"
#include "core/rng.h"
#include "core/threading.h"
#include "ops/contextual_loss.h"
#include "ops/elementwise.h"
#include "tests/sca_golden_ops.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

// docs/sca.md section 4 written as loops over positions, in double (the obviously correct reference).
double cx_reference(const Tensor& fT, const Tensor& fI, double sigma, double b) {
  const int64_t N = fT.size(0), C = fT.size(1), PT = fT.size(2) * fT.size(3), PI = fI.size(2) * fI.size(3);
  std::vector<double> t = fT.to_vector(), x = fI.to_vector(), mu(C, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t j = 0; j < PT; ++j) mu[c] += t[(n * C + c) * PT + j] / (N * PT);
  auto unit = [&](const std::vector<double>& v, int64_t n, int64_t P, int64_t q) {
    std::vector<double> u(C);
    double ss = 0;
    for (int64_t c = 0; c < C; ++c) ss += (u[c] = v[(n * C + c) * P + q] - mu[c]) * u[c];
    for (auto& e : u) e /= std::sqrt(ss);
    return u;
  };
  double total = 0;
  for (int64_t n = 0; n < N; ++n) {
    std::vector<double> best(PT, 0.0);
    for (int64_t i = 0; i < PI; ++i) {
      std::vector<double> ui = unit(x, n, PI, i), d(PT);
      double dmin = 1e300, s = 0;
      for (int64_t j = 0; j < PT; ++j) {
        std::vector<double> tj = unit(t, n, PT, j);
        double cos = 0;
        for (int64_t c = 0; c < C; ++c) cos += tj[c] * ui[c];
        d[j] = (1 - cos) / 2;
        dmin = std::min(dmin, d[j]);
      }
      for (int64_t j = 0; j < PT; ++j) s += std::exp((b - d[j] / (dmin + 1e-5)) / sigma);
      for (int64_t j = 0; j < PT; ++j) best[j] = std::max(best[j], std::exp((b - d[j] / (dmin + 1e-5)) / sigma) / s);
    }
    double m = 0;
    for (double v : best) m += v / PT;
    total += -std::log(m);
  }
  return total / N;
}

}  // namespace

TEST_CASE("ops/contextual_loss matches the loop reference") {
  for (auto [sigma, b] : {std::pair<double, double>{0.5, 1.0}, {0.2, 0.7}}) {
    Tensor fT = rand_leaf({2, 5, 3, 2}, 71).detach(), fI = rand_leaf({2, 5, 2, 4}, 72).detach();  // PT 6, PI 8
    CxParams p;
    p.sigma = sigma;
    p.b = b;
    const double ref = cx_reference(fT, fI, sigma, b);
    CHECK(contextual_loss(fT, fI, p).item() == doctest::Approx(ref).epsilon(1e-12));
    CHECK(contextual_loss(fT.to(DType::F32), fI.to(DType::F32), p).item() == doctest::Approx(ref).epsilon(1e-5));
  }
}

TEST_CASE("gradcheck/contextual_loss") {
  // Generic inputs (no ties): the gradient passes through each row's maximum over i, each column's
  // minimum over j (the division by min d + 1e-5) and the batch-wide centring of T (T is constant).
  Tensor fT = rand_leaf({2, 4, 3, 3}, 81).detach();
  gradcheck([fT](const std::vector<Tensor>& in) { return contextual_loss(fT, in[0]); }, {rand_leaf({2, 4, 2, 3}, 82)},
            "contextual_loss", 1e-7, 1e-5);
  CxParams p;
  p.sigma = 0.2;
  p.b = 0.7;
  Tensor fT1 = rand_leaf({1, 6, 2, 2}, 83).detach();
  gradcheck([fT1, p](const std::vector<Tensor>& in) { return contextual_loss(fT1, in[0], p); },
            {rand_leaf({1, 6, 3, 2}, 84)}, "contextual_loss sigma 0.2 b 0.7", 1e-7, 1e-5);
  // Nearly coinciding vectors: min d ~ 1e-3, so the 1/(min d + 1e-5) factor is large.
  Tensor near = fT1.detach().clone().detach();
  near = (near + rand_leaf({1, 6, 2, 2}, 85).detach() * 0.03).detach().set_requires_grad(true);
  gradcheck([fT1](const std::vector<Tensor>& in) { return contextual_loss(fT1, in[0]); }, {near},
            "contextual_loss near-coincident", 1e-6, 1e-4);
}

TEST_CASE("ops/contextual_loss first-maximum tie rule and errors") {
  // Generated positions [v, v, u] (random): the rows whose maximum is in column 0 tie with column 1 and
  // send their gradient to i = 0 only. (Rows with maxima in one column only would give that column a
  // vanishing gradient: a column of cx sums to 1; u takes some rows here.)
  Tensor fT = rand_leaf({1, 3, 1, 4}, 91).detach();
  std::vector<double> r = rand_leaf({1, 3, 1, 2}, 92).detach().to_vector(), iv(9);
  for (int c = 0; c < 3; ++c) {
    iv[c * 3] = iv[c * 3 + 1] = r[c * 2];
    iv[c * 3 + 2] = r[c * 2 + 1];
  }
  Tensor fI = Tensor::from_vector(iv, {1, 3, 1, 3}).set_requires_grad(true);
  contextual_loss(fT, fI).backward();
  std::vector<double> g = fI.grad().to_vector();
  double first = 0, second = 0, third = 0;
  for (int c = 0; c < 3; ++c) {
    first += std::fabs(g[c * 3]);
    second += std::fabs(g[c * 3 + 1]);
    third += std::fabs(g[c * 3 + 2]);
  }
  MESSAGE("gradient norms per generated position: " << first << ", " << second << ", " << third);
  CHECK(first > 1e-5);
  CHECK(second == 0);

  Tensor leaf = rand_leaf({1, 3, 1, 3}, 93);
  CHECK(contains(error_of([&] { contextual_loss(leaf, fI); }), "contextual_loss: featT"));
  CHECK(contains(error_of([&] { contextual_loss(fT, Tensor::zeros({1, 4, 2, 2}, DType::F64)); }),
                 "contextual_loss: featT and featI must be [N, C, H, W] with the same N and C, got [1, 3, 1, 4] and "
                 "[1, 4, 2, 2]"));
}

TEST_CASE("ops/contextual_loss is independent of the thread count") {
  // Bitwise the same loss and gradient with 1, 2 and 3 threads (packed GEMM over column chunks, column
  // and row passes with fixed summation orders). 600 generated positions: several column chunks.
  const int saved = num_threads();
  auto run = [](int threads) {
    set_num_threads(threads);
    Generator g(17);
    Tensor fT = Tensor::empty({2, 24, 20, 30}), fI = Tensor::empty({2, 24, 20, 30});
    uniform_(fT, 0, 1, g);
    uniform_(fI, 0, 1, g);
    fI.set_requires_grad(true);
    Tensor l = contextual_loss(fT, fI);
    l.backward();
    return std::vector<Tensor>{l.detach(), fI.grad()};
  };
  std::vector<Tensor> one = run(1);
  for (int threads : {2, 3}) {
    std::vector<Tensor> many = run(threads);
    expect_golden(many[0], one[0], 0, "loss with " + std::to_string(threads) + " threads");
    expect_golden(many[1], one[1], 0, "gradient with " + std::to_string(threads) + " threads");
  }
  set_num_threads(saved);
}

TEST_CASE("golden/sca/cx_loss") { sca_cx_golden_cases(); }
