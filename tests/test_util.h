// Shared test helpers: one tolerance check, the float64 finite-difference gradient check, golden files.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dpt::test {

// CHECKs |a - e| <= atol + rtol |e| elementwise; on failure reports max abs/rel error, the worst index
// and the first mismatches. `what` names the case.
void expect_close(const Tensor& actual, const Tensor& expected, double atol, double rtol, const std::string& what);

// The golden metric of ../shared/golden/README.md: err = max|a - g| / max|g| (0-d: |a-g|/|g|) <= tol.
// tol == 0 demands exact equality.
void expect_golden(const Tensor& actual, const Tensor& expected, double tol, const std::string& what);

// Central-difference check of every VJP. `f` maps the inputs to one output; inputs that require grad
// are checked (they must be float64 CPU leaves). A random cotangent is fed back, so every output element
// is exercised. eps 1e-6; passes when |analytic - numeric| <= atol + rtol |numeric| for every element.
void gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, std::vector<Tensor> inputs,
               const std::string& what, double atol = 1e-7, double rtol = 1e-6, double eps = 1e-6);

// Random float64 CPU leaf in [lo, hi), requiring grad (deterministic from seed).
Tensor rand_leaf(const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0);

// Runs one per-op case of ops.safetensors in float32: loads `<case>.<input>` for every input (those in
// `diff` require grad), checks `<case>.out` and, after backward with `<case>.dout`, each `<case>.d<input>`
// of `diff`, all with the golden metric at `tol`.
using GoldenOpFn = std::function<Tensor(const std::map<std::string, Tensor>&)>;
void golden_op_case(const std::string& case_name, const std::vector<std::string>& inputs,
                    const std::vector<std::string>& diff, const GoldenOpFn& fn, double tol);

// Tensor `name` of golden file `file` (tests/data/golden/<file>), read once and cached.
Tensor golden(const std::string& file, const std::string& name);
// The metadata of a golden file.
const std::map<std::string, std::string>& golden_metadata(const std::string& file);
// The message of the dpt::Error that f throws ("" when it throws none), and a substring test for it.
std::string error_of(const std::function<void()>& f);
bool contains(const std::string& s, const std::string& sub);

std::string test_data_dir();        // tests/data
std::string shared_dir();           // ../shared next to the repo, or "" when absent (optional tests skip)

}  // namespace dpt::test
