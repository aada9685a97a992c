// The single-process parts of data-parallel training (train/distributed.h): bucket planning, shared by
// the MPI and the CUDA paths, and the autograd leaf hook the gradient all-reduce starts from. The
// multi-rank behaviour is tested under mpirun (tests/mpi_tests.cmake, label mpi).
#include <doctest/doctest.h>

#include <vector>

#include "core/autograd.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "train/distributed.h"

using namespace dpt;

TEST_CASE("mpi/plan_buckets: reverse registration order, capped, every parameter once") {
  // Parameters 0..4 of 10, 30, 5, 40, 20 elements, buckets of about 50.
  const auto b = dist::plan_buckets({10, 30, 5, 40, 20}, 50);
  REQUIRE(b.size() == 3);
  CHECK(b[0] == std::vector<size_t>{4});     // 20 (+40 would exceed 50)
  CHECK(b[1] == std::vector<size_t>{3, 2});  // 40 + 5
  CHECK(b[2] == std::vector<size_t>{1, 0});  // 30 + 10
  // A parameter larger than a bucket gets a bucket of its own.
  CHECK(dist::plan_buckets({100, 1}, 10) == std::vector<std::vector<size_t>>{{1}, {0}});
  CHECK(dist::plan_buckets({}, 10).empty());
}

TEST_CASE("mpi/leaf hook: once per leaf per backward, after its gradient is complete") {
  Tensor a = Tensor::full({2}, 3.0).set_requires_grad();
  Tensor b = Tensor::full({2}, 5.0).set_requires_grad();
  std::vector<std::pair<TensorImpl*, double>> seen;  // leaf, its grad's first element when the hook ran
  set_leaf_grad_hook([&](TensorImpl* leaf) {
    Tensor t = leaf == a.get() ? a : b;
    seen.push_back({leaf, t.grad().to_vector()[0]});
  });
  // a reaches the loss along two paths (a*b and a*a): the hook must see the sum b + 2a = 11.
  sum(a * b + a * a).backward();
  set_leaf_grad_hook(nullptr);
  REQUIRE(seen.size() == 2);
  for (auto& [leaf, g] : seen) CHECK(g == doctest::Approx(leaf == a.get() ? 11.0 : 3.0));
  CHECK((seen[0].first == a.get() || seen[1].first == a.get()));
  // Removed: a second backward calls nothing.
  sum(a * b).backward();
  CHECK(seen.size() == 2);
}

TEST_CASE("mpi/one rank: the reducer and the broadcast leave gradients and weights alone") {
  REQUIRE(dist::world_size() == 1);
  Tensor w = Tensor::full({3}, 2.0).set_requires_grad();
  dist::GradReducer reducer({{w}});
  reducer.begin_step();
  sum(w * w).backward();
  reducer.finish();
  CHECK(w.grad().to_vector() == std::vector<double>{4, 4, 4});
  dist::broadcast({w});
  CHECK(w.to_vector() == std::vector<double>{2, 2, 2});
}
