// The doctest runner for dpt_tests (test cases are in the other files of this folder).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
