// The doctest runner for dpt_tests (test cases are in the other files of this folder). After a run
// without failures in which some case could not run, it prints the line that ctest reports as
// "Skipped" (Note [skipped tests] in tests/test_util.h).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "tests/test_util.h"

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int rc = context.run();
  if (context.shouldExit()) return rc;
  const auto& reasons = dpt::test::skip_reasons();
  if (rc == 0 && !reasons.empty()) {
    std::printf("DPT_SKIPPED: %zu test case(s) could not run:\n", reasons.size());
    for (const auto& r : reasons) std::printf("  %s\n", r.c_str());
  }
  return rc;
}
