// Elementwise ops, reductions and cat: gradient checks, golden cases and broadcasting behaviour.
#include <doctest/doctest.h>

#include <cmath>

#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {
// Values kept away from the kinks at 0 so central differences are valid.
Tensor away_from_zero(const Shape& shape, uint64_t seed) {
  Tensor t = rand_leaf(shape, seed, 0.1, 1.0);
  std::vector<double> v = t.to_vector();
  for (size_t i = 0; i < v.size(); ++i) v[i] = (i % 3 == 0) ? -v[i] : v[i];
  return Tensor::from_vector(v, shape).set_requires_grad(true);
}
}  // namespace

TEST_CASE("gradcheck/relu") {
  gradcheck([](const std::vector<Tensor>& x) { return relu(x[0]); }, {away_from_zero({2, 3, 5}, 1)}, "relu");
}

TEST_CASE("gradcheck/leaky_relu") {
  gradcheck([](const std::vector<Tensor>& x) { return leaky_relu(x[0], 0.2); }, {away_from_zero({2, 3, 5}, 2)},
            "leaky_relu");
}

TEST_CASE("gradcheck/tanh") {
  gradcheck([](const std::vector<Tensor>& x) { return tanh(x[0]); }, {rand_leaf({3, 7}, 3, -2, 2)}, "tanh");
}

TEST_CASE("gradcheck/abs_square_scalar") {
  gradcheck([](const std::vector<Tensor>& x) { return abs(x[0]); }, {away_from_zero({11}, 4)}, "abs");
  gradcheck([](const std::vector<Tensor>& x) { return square(x[0]) * 0.5 + 3.0; }, {rand_leaf({2, 5}, 5)}, "square");
}

TEST_CASE("gradcheck/add_sub_mul_broadcast") {
  auto f = [](const std::vector<Tensor>& x) { return (x[0] * x[1] - x[2]) + x[1]; };
  // [N,C,H,W] with [N,1,H,W] (a mask) and [1,C,1,1] (per-channel constants), as the model uses them.
  gradcheck(f, {rand_leaf({2, 3, 4, 5}, 6), rand_leaf({2, 1, 4, 5}, 7), rand_leaf({1, 3, 1, 1}, 8)}, "broadcast");
  gradcheck(f, {rand_leaf({4, 5}, 9), rand_leaf({5}, 10), rand_leaf({4, 1}, 11)}, "broadcast rank");
}

TEST_CASE("gradcheck/sum_mean") {
  gradcheck([](const std::vector<Tensor>& x) { return sum(x[0]) * 2.0; }, {rand_leaf({3, 4, 5}, 12)}, "sum");
  gradcheck([](const std::vector<Tensor>& x) { return mean(square(x[0])); }, {rand_leaf({3, 7}, 13)}, "mean");
  gradcheck([](const std::vector<Tensor>& x) { return sum_to(x[0], {1, 4, 1}); }, {rand_leaf({3, 4, 5}, 14)},
            "sum_to");
}

TEST_CASE("gradcheck/cat") {
  auto f = [](const std::vector<Tensor>& x) { return cat({x[0], x[1], x[2]}, 1); };
  gradcheck(f, {rand_leaf({2, 1, 3}, 15), rand_leaf({2, 3, 3}, 16), rand_leaf({2, 2, 3}, 17)}, "cat dim 1");
  gradcheck([](const std::vector<Tensor>& x) { return cat({x[0], x[1]}, 2); },
            {rand_leaf({2, 3, 1, 4}, 18), rand_leaf({2, 3, 2, 4}, 19)}, "cat dim 2");
}

TEST_CASE("gradcheck/views") {
  auto f = [](const std::vector<Tensor>& x) {
    return x[0].permute({0, 2, 1}).slice(1, 1, 3).reshape({2, -1}) * 1.5;
  };
  gradcheck(f, {rand_leaf({2, 3, 4}, 20)}, "permute/slice/reshape");
}

TEST_CASE("golden/activations") {
  golden_op_case("relu", {"x"}, {"x"}, [](const auto& in) { return relu(in.at("x")); }, 0.0);
  golden_op_case("leaky_relu", {"x"}, {"x"}, [](const auto& in) { return leaky_relu(in.at("x"), 0.2); }, 1e-5);
  golden_op_case("tanh", {"x"}, {"x"}, [](const auto& in) { return tanh(in.at("x")); }, 1e-5);
}

TEST_CASE("ops/broadcast errors name both shapes") {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4});
  CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("[2, 3] and [4]"), Error);
}

TEST_CASE("ops/cat and sum values") {
  Tensor a = Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2});
  Tensor b = Tensor::from_vector(std::vector<float>{5, 6}, {2, 1});
  Tensor c = cat({a, b}, 1);
  CHECK(c.to_vector() == std::vector<double>{1, 2, 5, 3, 4, 6});
  CHECK(sum(c).item() == 21.0);
  CHECK(sum_to(c, {1, 3}).to_vector() == std::vector<double>{4, 6, 11});
  CHECK(mean(a).item() == 2.5);
}

// ---- div, exp, log, sqrt (the contextual loss)

TEST_CASE("gradcheck/div") {
  gradcheck([](const std::vector<Tensor>& x) { return div(x[0], x[1]); },
            {rand_leaf({2, 3}, 91), rand_leaf({2, 3}, 92, 0.5, 2.0)}, "div same shape");
  gradcheck([](const std::vector<Tensor>& x) { return x[0] / x[1]; },
            {rand_leaf({2, 3, 4}, 93), rand_leaf({3, 1}, 94, -2.0, -0.5)}, "div broadcast");
}

TEST_CASE("gradcheck/exp_log_sqrt") {
  gradcheck([](const std::vector<Tensor>& x) { return exp(x[0]); }, {rand_leaf({3, 4}, 95, -2.0, 2.0)}, "exp");
  gradcheck([](const std::vector<Tensor>& x) { return log(x[0]); }, {rand_leaf({3, 4}, 96, 0.2, 3.0)}, "log");
  gradcheck([](const std::vector<Tensor>& x) { return sqrt(x[0]); }, {rand_leaf({3, 4}, 97, 0.2, 3.0)}, "sqrt");
}

TEST_CASE("golden/div_exp_log_sqrt: hand values and gradients") {
  auto v = [](const std::vector<double>& x, const Shape& s) { return Tensor::from_vector(x, s); };
  Tensor a = v({6, -8, 9, 12}, {2, 2}).set_requires_grad(true);
  Tensor b = v({2, 4}, {2, 1}).set_requires_grad(true);
  Tensor q = div(a, b);  // rows / 2 and / 4
  expect_golden(q, v({3, -4, 2.25, 3}, {2, 2}), 0, "div");
  q.backward(Tensor::ones({2, 2}, DType::F64));
  expect_golden(a.grad(), v({0.5, 0.5, 0.25, 0.25}, {2, 2}), 0, "d/da = 1/b");
  // d/db = -sum over the row of a / b²: -(6 - 8) / 4 = 0.5, -(9 + 12) / 16 = -1.3125.
  expect_golden(b.grad(), v({0.5, -1.3125}, {2, 1}), 0, "d/db = -a/b^2");
  Tensor x = v({0, 1, 4}, {3}).set_requires_grad(true);
  Tensor s = sqrt(x);
  expect_golden(s, v({0, 1, 2}, {3}), 0, "sqrt");
  s.backward(v({0, 2, 8}, {3}));
  const std::vector<double> gs = x.grad().to_vector();
  CHECK(std::isnan(gs[0]));  // 0 / (2 sqrt(0)), as in PyTorch
  CHECK(gs[1] == 1.0);
  CHECK(gs[2] == 2.0);
  Tensor e = v({0, 1}, {2}).set_requires_grad(true);
  Tensor ee = exp(e);
  CHECK(ee.to_vector() == std::vector<double>{1.0, std::exp(1.0)});
  ee.backward(v({2, 2}, {2}));
  CHECK(e.grad().to_vector() == std::vector<double>{2.0, 2.0 * std::exp(1.0)});
  Tensor l = v({1, 4}, {2}).set_requires_grad(true);
  Tensor ll = log(l);
  CHECK(ll.to_vector() == std::vector<double>{0.0, std::log(4.0)});
  ll.backward(v({2, 2}, {2}));
  CHECK(l.grad().to_vector() == std::vector<double>{2.0, 0.5});
  CHECK(std::isinf(log(v({0}, {1})).item()));
  CHECK(contains(error_of([] { div(Tensor::zeros({2, 3}), Tensor::zeros({4})); }), "[2, 3] and [4]"));
}
