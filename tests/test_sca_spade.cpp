// The SCA golden case `spade` (docs/sca.md section 3.2: IN(x) (1 + gamma(a)) + beta(a), a = ReLU(shared(nearest(cond
// -> size of x)))) through the network's Spade module (models/sca/networks.h), on the CPU and, in CUDA
// builds, on the device: output, input VJPs and every parameter gradient.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "layers/layers.h"
#include "models/sca/networks.h"
#include "tests/sca_golden_ops.h"
#ifdef DPT_WITH_CUDA
#include "tests/cuda_parity.h"
#endif

using namespace dpt;
using namespace dpt::test;

namespace {

void check_spade(Device dev) {
  const std::string c = "spade.";
  Spade spade(4, 2, 5, uninitialized());
  StateDict sd;
  for (const char* p : {"shared.weight", "shared.bias", "gamma.weight", "gamma.bias", "beta.weight", "beta.bias"})
    sd[p] = golden(kScaOps, c + p);
  spade.load_state_dict(sd, "golden spade");
  spade.to(dev);
  Tensor x = golden(kScaOps, c + "x").to(dev).set_requires_grad(true);
  Tensor cond = golden(kScaOps, c + "cond").to(dev).set_requires_grad(true);
  Tensor out = spade.forward(x, cond);
  const double tol = 1e-5;  // the golden README's float-case tolerance
  expect_golden(out.to(Device::cpu()), golden(kScaOps, c + "out"), tol, "spade.out");
  out.backward(golden(kScaOps, c + "dout").to(dev));
  expect_golden(x.grad().to(Device::cpu()), golden(kScaOps, c + "dx"), tol, "spade.dx");
  expect_golden(cond.grad().to(Device::cpu()), golden(kScaOps, c + "dcond"), tol, "spade.dcond");
  for (auto& p : spade.named_parameters()) {
    REQUIRE_MESSAGE(p.second.grad().defined(), "spade: no gradient reached " << p.first);
    expect_golden(p.second.grad().to(Device::cpu()), golden(kScaOps, c + "d" + p.first), tol, "spade.d" + p.first);
  }
}

}  // namespace

TEST_CASE("golden/sca/spade") { check_spade(Device::cpu()); }

#ifdef DPT_WITH_CUDA
TEST_CASE("emu/golden/sca/spade") {
  DPT_REQUIRE_CUDA();
  check_spade(cuda_dev());
}
#endif
