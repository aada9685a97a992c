// Reductions along one dim (ops/reduce.h): sum, mean, max with the first-maximum gradient rule;
// hand-computed integer cases for every dim and keepdim, float64 gradient checks, errors.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "ops/reduce.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {
Tensor values(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }
}  // namespace

TEST_CASE("golden/reduce_dim: sum, mean and max of a [2, 3] integer matrix along every dim") {
  const Tensor x = values({1, 5, 3, 4, 2, 6}, {2, 3});
  expect_golden(sum(x, 0), values({5, 7, 9}, {3}), 0, "sum 0");
  expect_golden(sum(x, 1), values({9, 12}, {2}), 0, "sum 1");
  expect_golden(sum(x, -1, true), values({9, 12}, {2, 1}), 0, "sum -1 keepdim");
  expect_golden(mean(x, 0, true), values({2.5, 3.5, 4.5}, {1, 3}), 0, "mean 0 keepdim");
  expect_golden(mean(x, 1), values({3, 4}, {2}), 0, "mean 1");
  const MaxDim m0 = max_with_indices(x, 0), m1 = max_with_indices(x, 1, true);
  expect_golden(m0.values, values({4, 5, 6}, {3}), 0, "max 0");
  expect_golden(m0.indices, values({1, 0, 1}, {3}), 0, "argmax 0");
  expect_golden(m1.values, values({5, 6}, {2, 1}), 0, "max 1 keepdim");
  expect_golden(m1.indices, values({1, 2}, {2, 1}), 0, "argmax 1");
}

TEST_CASE("golden/reduce_dim: middle dim of a 3-D tensor, gradients by hand") {
  Tensor x = values({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 3, 2}).set_requires_grad(true);
  Tensor s = sum(x, 1);  // [2, 2]
  expect_golden(s, values({9, 12, 27, 30}, {2, 2}), 0, "sum");
  s.backward(values({1, 2, 3, 4}, {2, 2}));
  expect_golden(x.grad(), values({1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}, {2, 3, 2}), 0, "sum dx");
  Tensor y = values({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 3, 2}).set_requires_grad(true);
  mean(y, 1).backward(values({3, 6, 9, 12}, {2, 2}));
  expect_golden(y.grad(), values({1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}, {2, 3, 2}), 0, "mean dx");
}

TEST_CASE("golden/max_dim: ties go to the first maximum, NaN wins, gradient to one element") {
  Tensor x = values({3, 1, 3, 2, 2, 2}, {2, 3}).set_requires_grad(true);
  const MaxDim m = max_with_indices(x, 1);
  expect_golden(m.indices, values({0, 0}, {2}), 0, "first of ties");
  m.values.backward(values({10, 20}, {2}));
  expect_golden(x.grad(), values({10, 0, 0, 20, 0, 0}, {2, 3}), 0, "gradient to the first maximum only");
  const MaxDim n = max_with_indices(values({1, std::nan(""), 5, std::nan("")}, {4}), 0);
  CHECK(std::isnan(n.values.item()));
  CHECK(n.indices.item() == 1.0);
  for (DType dt : {DType::F32, DType::F64}) {
    const MaxDim f = max_with_indices(values({-1, -3, -0.5, -7}, {2, 2}).to(dt), 0);
    expect_golden(f.values, values({-0.5, -3}, {2}).to(dt), 0, "negative values");
  }
}

TEST_CASE("gradcheck/sum_dim") {
  for (int64_t d : {0, 1, 2, -1})
    for (bool keep : {false, true})
      gradcheck([d, keep](const std::vector<Tensor>& in) { return sum(in[0], d, keep); }, {rand_leaf({2, 3, 4}, 71)},
                "sum dim " + std::to_string(d) + (keep ? " keepdim" : ""));
}

TEST_CASE("gradcheck/mean_dim") {
  for (int64_t d : {0, 1, 2})
    gradcheck([d](const std::vector<Tensor>& in) { return mean(in[0], d, d == 1); }, {rand_leaf({2, 3, 4}, 72)},
              "mean dim " + std::to_string(d));
}

TEST_CASE("gradcheck/max_dim") {
  std::vector<double> v(2 * 5 * 3);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 7) % v.size()) * 0.1;  // distinct
  for (int64_t d : {0, 1, 2}) {
    Tensor x = Tensor::from_vector(v, {2, 5, 3}).set_requires_grad(true);
    gradcheck([d](const std::vector<Tensor>& in) { return max(in[0], d, d == 2); }, {x}, "max dim " + std::to_string(d));
  }
}

TEST_CASE("ops/reduce_dim/errors name the op and the shape") {
  const Tensor x = Tensor::zeros({2, 3});
  CHECK(contains(error_of([&] { sum(x, 2); }), "sum: dim 2 out of range for [2, 3]"));
  CHECK(contains(error_of([&] { mean(x, -3); }), "mean: dim -3 out of range for [2, 3]"));
  CHECK(contains(error_of([&] { max(Tensor::empty({2, 0}), 1); }), "max: dim 1 of [2, 0] is empty"));
}
