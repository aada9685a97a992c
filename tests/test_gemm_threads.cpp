// The CPU GEMM ops (linear, gram, bmm) give the same bits at any thread count, forward and backward:
// they run on the packed GEMM over fixed column chunks (ops/cpu/packed_matmul.h), not on threaded BLAS,
// so a resumed run is bit-exact whatever --threads it resumes with.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/rng.h"
#include "core/threading.h"
#include "ops/bmm.h"
#include "ops/elementwise.h"
#include "ops/gram.h"
#include "ops/linear.h"
#include "ops/reduce.h"
#include "tests/test_util.h"

using namespace dpt;
using dpt::test::expect_golden;

namespace {

Tensor random(const Shape& shape, Generator& g, bool grad) {
  Tensor t = Tensor::empty(shape);
  uniform_(t, -1, 1, g);
  if (grad) t.set_requires_grad(true);
  return t;
}

// Runs build(inputs) at 1, 2 and 3 threads; the output and every input's gradient must match bitwise.
// The loss weighs each output element differently, so the incoming gradient is not uniform.
void expect_thread_independent(const std::vector<Shape>& shapes, const std::function<Tensor(std::vector<Tensor>&)>& build,
                               const std::string& what) {
  const int saved = num_threads();
  auto run = [&](int threads) {
    set_num_threads(threads);
    Generator g(29);
    std::vector<Tensor> in;
    for (const Shape& s : shapes) in.push_back(random(s, g, true));
    Tensor out = build(in);
    Tensor weights = random(out.shape(), g, false);
    sum(mul(out, weights)).backward();
    std::vector<Tensor> result{out.detach()};
    for (Tensor& t : in) result.push_back(t.grad());
    return result;
  };
  std::vector<Tensor> one = run(1);
  for (int threads : {2, 3}) {
    std::vector<Tensor> many = run(threads);
    for (size_t i = 0; i < one.size(); ++i)
      expect_golden(many[i], one[i], 0,
                    what + (i == 0 ? " output" : " gradient " + std::to_string(i)) + " with " + std::to_string(threads) +
                        " threads");
  }
  set_num_threads(saved);
}

}  // namespace

// Shapes span several column chunks (128 wide) and K blocks (256 deep), with ragged edges.
TEST_CASE("threads/linear_bitwise") {
  expect_thread_independent({{70, 300}, {260, 300}, {260}},
                            [](std::vector<Tensor>& t) { return linear(t[0], t[1], t[2]); }, "linear");
  expect_thread_independent({{300, 270}, {5, 270}}, [](std::vector<Tensor>& t) { return linear(t[0], t[1], Tensor()); },
                            "linear without bias");
}

TEST_CASE("threads/gram_bitwise") {
  expect_thread_independent({{2, 140, 15, 20}}, [](std::vector<Tensor>& t) { return gram(t[0]); }, "gram");
}

TEST_CASE("threads/bmm_bitwise") {
  expect_thread_independent({{2, 150, 300}, {2, 300, 200}}, [](std::vector<Tensor>& t) { return bmm(t[0], t[1]); },
                            "bmm");
  expect_thread_independent({{2, 300, 150}, {2, 200, 300}},
                            [](std::vector<Tensor>& t) { return bmm(t[0], t[1], true, true); }, "bmm transposed");
}
