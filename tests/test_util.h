// Shared test helpers: one tolerance check, the float64 finite-difference gradient check, golden files,
// skipping, scratch folders, the tools next to the tests, random images and the tiny DPT configuration.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/image.h"
#include "models/dpt/config.h"

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
// "" when f throws a dpt::Error whose message contains every string of `parts`, else what is wrong
// (no error, or the message and the missing part). Used by CHECK_ERROR.
std::string error_mismatch(const std::function<void()>& f, const std::vector<std::string>& parts);

std::string test_data_dir();        // tests/data
// ../shared next to the repo (the environment variable DPT_SHARED_DIR overrides it), or "" when it has
// neither golden/ nor data/ (the tests that need it skip).
std::string shared_dir();

// Note [skipped tests]: doctest has no "skipped" status. A case that cannot run (optional data absent,
// no GPU) calls skip(reason) and returns. At the end of a run without failures the runner
// (tests/test_main.cpp) prints "DPT_SKIPPED: <n> test case(s) could not run", which the ctest entries
// (tests/CMakeLists.txt) turn into ctest's "Skipped" with SKIP_REGULAR_EXPRESSION. A run with a failure
// never prints it, so a skip never hides a failure. Cases that may skip get their own ctest entry.
void skip(const std::string& reason);
const std::vector<std::string>& skip_reasons();  // one entry per skip() call of this process

// One scratch folder per test process (/tmp/dpt_tests.XXXXXX, removed when the process exits), and a
// fresh empty sub-folder of it per tag (removed and re-created on every call).
std::string scratch_dir();
std::string temp_dir(const std::string& tag);

// The command-line tool `name` (e.g. "dpt-infer") of this build, <build>/bin/<name>. The test binary
// depends on every tool it runs (tests/CMakeLists.txt), so a missing tool fails the calling case.
std::string tool_path(const std::string& name);
// Runs a shell command with stdout and stderr captured; code is the exit status (-1 when killed).
struct CommandResult {
  int code = -1;
  std::string out, err;
};
CommandResult run_command(const std::string& cmd);

// Random test pictures, deterministic from seed. Noise: independent bytes from a 32-bit LCG
// (s = s * 1664525 + 1013904223, byte = s >> 24; tests/data/eval/expected.json pins these values).
// Smooth: sums of random sinusoids per channel, for tests where resizing must keep the content.
enum class ImagePattern { Noise, Smooth };
Image8 random_image(int height, int width, uint32_t seed, ImagePattern pattern = ImagePattern::Noise);
std::vector<uint8_t> noise_bytes(size_t count, uint32_t seed);  // the Noise sequence

// The tiny DPT configuration of the unit tests: 32x32 images, ngf = ndf = 4, S = 8 (one inpainter level),
// inpainter widths 2/4, embedding 4, batch 2. (The golden files use their own, stored in the files.)
Config tiny_dpt_config();

}  // namespace dpt::test

// CHECK_ERROR(expr, "conv2d", "[2, 3, 3, 3]", ...): expr throws a dpt::Error whose message names every
// given part -- the op and the offending shapes or values, not only the exception type.
#define CHECK_ERROR(expr, ...)                                              \
  do {                                                                      \
    const std::string dpt_mismatch_ =                                       \
        ::dpt::test::error_mismatch([&] { (void)(expr); }, {__VA_ARGS__});  \
    CHECK_MESSAGE(dpt_mismatch_.empty(), #expr << ": " << dpt_mismatch_);   \
  } while (0)
