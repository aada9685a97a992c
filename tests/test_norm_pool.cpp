// Instance norm (Note [IN numerics]) and 2x2 max pooling: gradient checks, golden cases, exact zeros.
#include <doctest/doctest.h>

#include "ops/instance_norm.h"
#include "ops/pool2d.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

TEST_CASE("gradcheck/instance_norm") {
  gradcheck([](const std::vector<Tensor>& x) { return instance_norm(x[0]); }, {rand_leaf({2, 3, 5, 7}, 31)},
            "instance_norm");
  // A large mean and a small spread: the shifted statistics must stay accurate.
  Tensor big = rand_leaf({1, 2, 3, 3}, 32, 50.0, 50.1);
  gradcheck([](const std::vector<Tensor>& x) { return instance_norm(x[0]); }, {big}, "instance_norm mean 50",
            1e-6, 1e-5);
}

TEST_CASE("ops/instance_norm constant plane is exactly zero forward and backward") {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor x = Tensor::full({2, 3, 4, 5}, 0.7, dt).set_requires_grad(true);
    Tensor y = instance_norm(x);
    for (double v : y.to_vector()) REQUIRE(v == 0.0);
    Tensor g = Tensor::full({2, 3, 4, 5}, 1.25, dt);
    y.backward(g);
    for (double v : x.grad().to_vector()) REQUIRE(v == 0.0);  // (g - mean g) / sqrt(eps) with g constant
  }
}

TEST_CASE("golden/instance_norm") {
  golden_op_case("instance_norm", {"x"}, {"x"}, [](const auto& in) { return instance_norm(in.at("x")); }, 1e-5);
  // Channel 3 is a constant plane: exactly 0.
  Tensor y = instance_norm(golden("ops.safetensors", "instance_norm.x"));
  for (double v : y.slice(1, 3, 4).to_vector()) REQUIRE(v == 0.0);
  golden_op_case("fusion_norm", {"x"}, {"x"},
                 [](const auto& in) {
                   const Tensor& x = in.at("x");
                   return instance_norm(x.reshape({x.size(0), 1, x.size(1)})).reshape(x.shape());
                 },
                 1e-5);
}

TEST_CASE("gradcheck/max_pool2d") {
  // Distinct values (no ties) so the function is differentiable where it is sampled.
  std::vector<double> v(2 * 3 * 5 * 7);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 37) % v.size()) * 0.1;
  Tensor x = Tensor::from_vector(v, {2, 3, 5, 7}).set_requires_grad(true);
  gradcheck([](const std::vector<Tensor>& in) { return max_pool2d_2x2(in[0]); }, {x}, "max_pool2d odd");
}

TEST_CASE("golden/max_pool2d") {
  golden_op_case("max_pool2d", {"x"}, {"x"}, [](const auto& in) { return max_pool2d_2x2(in.at("x")); }, 0.0);
  golden_op_case("max_pool2d_odd", {"x"}, {"x"}, [](const auto& in) { return max_pool2d_2x2(in.at("x")); }, 0.0);
}

TEST_CASE("ops/max_pool2d ties go to the first maximum") {
  Tensor x = Tensor::from_vector(std::vector<double>{3, 3, 1, 3}, {1, 1, 2, 2}).set_requires_grad(true);
  max_pool2d_2x2(x).backward(Tensor::ones({1, 1, 1, 1}, DType::F64));
  CHECK(x.grad().to_vector() == std::vector<double>{1, 0, 0, 0});
}
