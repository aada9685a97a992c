// bmm with optional transposes (ops/bmm.h): hand-computed integer products for the four transpose
// modes, float64 gradient checks, errors.
#include <doctest/doctest.h>

#include <vector>

#include "ops/bmm.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {
// out[b] = op(a[b]) op(b[b]) by the definition, op = transpose when asked.
Tensor bmm_reference(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const int64_t B = a.size(0), M = ta ? a.size(2) : a.size(1), K = ta ? a.size(1) : a.size(2);
  const int64_t N = tb ? b.size(1) : b.size(2);
  const std::vector<double> av = a.to_vector(), bv = b.to_vector();
  std::vector<double> out(B * M * N, 0.0);
  for (int64_t n = 0; n < B; ++n)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j)
        for (int64_t k = 0; k < K; ++k) {
          const double x = ta ? av[(n * K + k) * M + i] : av[(n * M + i) * K + k];
          const double y = tb ? bv[(n * N + j) * K + k] : bv[(n * K + k) * N + j];
          out[(n * M + i) * N + j] += x * y;
        }
  return Tensor::from_vector(out, {B, M, N});
}

Tensor ints(const Shape& s, int seed) {
  std::vector<double> v(shape_numel(s));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((static_cast<int>(i) * 7 + seed) % 11) - 5;
  return Tensor::from_vector(v, s);
}
}  // namespace

TEST_CASE("golden/bmm: hand values and every transpose mode against the definition") {
  // [[1, 2], [3, 4]] [[5, 6], [7, 8]] = [[19, 22], [43, 50]]; batch 2 = the transposes.
  const Tensor a = Tensor::from_vector(std::vector<double>{1, 2, 3, 4, 1, 3, 2, 4}, {2, 2, 2});
  const Tensor b = Tensor::from_vector(std::vector<double>{5, 6, 7, 8, 5, 7, 6, 8}, {2, 2, 2});
  expect_golden(bmm(a, b), Tensor::from_vector(std::vector<double>{19, 22, 43, 50, 23, 31, 34, 46}, {2, 2, 2}), 0, "nn");
  expect_golden(bmm(a.slice(0, 1, 2), b.slice(0, 1, 2), true, true),  // the transposes, transposed back
                Tensor::from_vector(std::vector<double>{19, 22, 43, 50}, {1, 2, 2}), 0, "tt");
  for (DType dt : {DType::F32, DType::F64})
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        const Tensor x = (ta ? ints({3, 4, 5}, 1) : ints({3, 5, 4}, 1)).to(dt);  // M = 5, K = 4
        const Tensor y = (tb ? ints({3, 6, 4}, 2) : ints({3, 4, 6}, 2)).to(dt);  // N = 6
        expect_golden(bmm(x, y, ta, tb), bmm_reference(x, y, ta, tb).to(dt), 0,
                      std::string("ta ") + (ta ? "1" : "0") + " tb " + (tb ? "1" : "0"));
      }
}

TEST_CASE("gradcheck/bmm") {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Tensor x = ta ? rand_leaf({2, 3, 4}, 81) : rand_leaf({2, 4, 3}, 81);  // M = 4, K = 3
      Tensor y = tb ? rand_leaf({2, 5, 3}, 82) : rand_leaf({2, 3, 5}, 82);  // N = 5
      gradcheck([ta, tb](const std::vector<Tensor>& in) { return bmm(in[0], in[1], ta, tb); }, {x, y},
                std::string("bmm ta ") + (ta ? "1" : "0") + " tb " + (tb ? "1" : "0"));
    }
}

TEST_CASE("ops/bmm/errors name the op and the shapes") {
  CHECK(contains(error_of([] { bmm(Tensor::zeros({2, 3, 4}), Tensor::zeros({2, 5, 6})); }),
                 "bmm: a [2, 3, 4] and b [2, 5, 6] do not multiply: batch 2 vs 2, inner 4 vs 5"));
  CHECK(contains(error_of([] { bmm(Tensor::zeros({3, 4}), Tensor::zeros({2, 4, 6})); }), "bmm: a and b must be 3-D"));
  CHECK(contains(error_of([] { bmm(Tensor::zeros({2, 3, 4}), Tensor::zeros({3, 4, 6})); }), "batch 2 vs 3"));
}
