// Golden op cases of the SCA-GAN file tests/data/golden/sca/ops.safetensors (copied from
// ../shared/golden/sca; same conventions as golden_op_case in tests/test_util.h, which reads the DPT file).
#pragma once
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace dpt::test {

inline const char* kScaOps = "sca/ops.safetensors";

inline Tensor sca_golden(const std::string& name) { return golden(kScaOps, name); }

// Loads `<case>.<input>` for every input (those in `diff` require grad), checks `<case>.out` and, after
// backward with `<case>.dout`, each `<case>.d<input>` of `diff`, with the golden metric at `tol`.
inline void sca_golden_case(const std::string& case_name, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& diff, const GoldenOpFn& fn, double tol) {
  std::map<std::string, Tensor> ins;
  for (const std::string& n : inputs) ins[n] = sca_golden(case_name + "." + n);
  for (const std::string& n : diff) ins[n].set_requires_grad(true);
  Tensor out = fn(ins);
  expect_golden(out, sca_golden(case_name + ".out"), tol, case_name + ".out");
  if (diff.empty()) return;
  out.backward(sca_golden(case_name + ".dout"));
  for (const std::string& n : diff) {
    REQUIRE_MESSAGE(ins[n].grad().defined(), case_name << ": no gradient reached " << n);
    expect_golden(ins[n].grad(), sca_golden(case_name + ".d" + n), tol, case_name + ".d" + n);
  }
}

}  // namespace dpt::test
