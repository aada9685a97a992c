// linear and gram: exact small cases, float64 gradient checks and the golden cases.
#include <doctest/doctest.h>

#include "ops/gram.h"
#include "ops/linear.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

TEST_CASE("ops/linear/exact") {
  Tensor x = Tensor::from_vector(std::vector<double>{1, 2, 3, 4}, {2, 2}).set_requires_grad(true);
  Tensor w = Tensor::from_vector(std::vector<double>{1, 0, 0, 1, 1, 1}, {3, 2}).set_requires_grad(true);
  Tensor b = Tensor::from_vector(std::vector<double>{0.5, 0, -1}, {3}).set_requires_grad(true);
  Tensor y = linear(x, w, b);
  expect_golden(y, Tensor::from_vector(std::vector<double>{1.5, 2, 2, 3.5, 4, 6}, {2, 3}), 0, "out");
  y.backward(Tensor::ones({2, 3}, DType::F64));
  expect_golden(x.grad(), Tensor::from_vector(std::vector<double>{2, 2, 2, 2}, {2, 2}), 0, "dx");   // column sums of w
  expect_golden(w.grad(), Tensor::from_vector(std::vector<double>{4, 6, 4, 6, 4, 6}, {3, 2}), 0, "dw");  // row sums of x
  expect_golden(b.grad(), Tensor::from_vector(std::vector<double>{2, 2, 2}, {3}), 0, "db");
  expect_golden(linear(x.detach(), w.detach(), Tensor()),
                Tensor::from_vector(std::vector<double>{1, 2, 3, 3, 4, 7}, {2, 3}), 0, "no bias");
  CHECK_ERROR(linear(x, Tensor::zeros({3, 3}, DType::F64), Tensor()), "linear", "x [2, 2], got [3, 3]");
  CHECK_ERROR(linear(x, w, Tensor::zeros({2}, DType::F64)), "linear", "bias must be [3], got [2]");
}

TEST_CASE("ops/gram/exact") {
  // Channels (1, 2) and (3, 4), C H W = 4: G = [[5, 11], [11, 25]] / 4.
  Tensor f = Tensor::from_vector(std::vector<double>{1, 2, 3, 4}, {1, 2, 1, 2}).set_requires_grad(true);
  Tensor g = gram(f);
  expect_golden(g, Tensor::from_vector(std::vector<double>{1.25, 2.75, 2.75, 6.25}, {1, 2, 2}), 0, "out");
  // d/df of sum(G) = 2 (sum over channels of f) / 4 at every position: (1+3, 2+4) / 2.
  g.backward(Tensor::ones({1, 2, 2}, DType::F64));
  expect_golden(f.grad(), Tensor::from_vector(std::vector<double>{2, 3, 2, 3}, {1, 2, 1, 2}), 0, "df");
  // float32: exactly symmetric.
  Tensor f32 = Tensor::from_vector(std::vector<float>{0.1f, -0.7f, 0.3f, 1.1f, 0.2f, 0.9f, -0.4f, 0.5f, 0.6f},
                                   {1, 3, 3, 1});
  std::vector<double> gv = gram(f32).to_vector();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) CHECK(gv[i * 3 + j] == gv[j * 3 + i]);
}

TEST_CASE("gradcheck/linear") {
  gradcheck([](const std::vector<Tensor>& t) { return linear(t[0], t[1], t[2]); },
            {rand_leaf({3, 5}, 1), rand_leaf({4, 5}, 2), rand_leaf({4}, 3)}, "linear");
  gradcheck([](const std::vector<Tensor>& t) { return linear(t[0], t[1], Tensor()); },
            {rand_leaf({1, 7}, 4), rand_leaf({2, 7}, 5)}, "linear no bias");
}

TEST_CASE("gradcheck/gram") {
  gradcheck([](const std::vector<Tensor>& t) { return gram(t[0]); }, {rand_leaf({2, 3, 4, 3}, 6)}, "gram");
  gradcheck([](const std::vector<Tensor>& t) { return gram(t[0]); }, {rand_leaf({1, 5, 1, 3}, 7)}, "gram odd");
}

TEST_CASE("golden/linear") {
  golden_op_case("linear", {"x", "w", "b"}, {"x", "w", "b"},
                 [](const auto& in) { return linear(in.at("x"), in.at("w"), in.at("b")); }, 1e-5);
}

TEST_CASE("golden/gram") {
  golden_op_case("gram", {"x"}, {"x"}, [](const auto& in) { return gram(in.at("x")); }, 1e-5);
}
