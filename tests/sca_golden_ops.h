// One per-op case of the SCA-GAN golden file tests/data/golden/sca/ops.safetensors (copied from
// ../shared/golden/sca; tolerances in its README): like test::golden_op_case, for that file.
#pragma once
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ops/contextual_loss.h"
#include "tests/test_util.h"

namespace dpt::test {

inline const char* kScaOps = "sca/ops.safetensors";

// Loads `<case>.<input>` (those in `diff` require grad), checks `<case>.out` and, after backward with
// `<case>.dout`, each `<case>.d<input>` of `diff`, with the golden metric at `tol` (0 = exact).
// fn may move the inputs to another device; its result is compared on the CPU.
inline void sca_golden_case(const std::string& case_name, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& diff, const GoldenOpFn& fn, double out_tol,
                            double grad_tol) {
  std::map<std::string, Tensor> ins;
  for (const std::string& n : inputs) ins[n] = golden(kScaOps, case_name + "." + n).detach().clone().detach();
  for (const std::string& n : diff) ins[n].set_requires_grad(true);
  Tensor out = fn(ins);
  expect_golden(out.detach(), golden(kScaOps, case_name + ".out"), out_tol, case_name + ".out");
  if (diff.empty()) return;
  out.backward(golden(kScaOps, case_name + ".dout").to(out.device()));
  for (const std::string& n : diff) {
    REQUIRE_MESSAGE(ins[n].grad().defined(), case_name << ": no gradient reached " << n);
    expect_golden(ins[n].grad().to(Device::cpu()), golden(kScaOps, case_name + ".d" + n), grad_tol,
                  case_name + ".d" + n);
  }
}

// The contextual-loss cases of the file (cx_loss: default parameters; cx_loss_n1: one image;
// cx_loss_sigma_b: sigma 0.2, b 0.7), each op call passed through `on_device` (e.g. test::on_cuda).
inline void sca_cx_golden_cases(const std::function<GoldenOpFn(const GoldenOpFn&)>& on_device = nullptr) {
  for (const char* name : {"cx_loss", "cx_loss_n1", "cx_loss_sigma_b"}) {
    CxParams p;
    if (std::string(name) == "cx_loss_sigma_b") {
      p.sigma = 0.2;
      p.b = 0.7;
    }
    const GoldenOpFn fn = [p](const auto& in) { return contextual_loss(in.at("featT"), in.at("featI"), p); };
    sca_golden_case(name, {"featT", "featI"}, {"featI"}, on_device ? on_device(fn) : fn, 1e-5, 1e-5);
  }
}

}  // namespace dpt::test
