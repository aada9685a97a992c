# CUDA parity tests (tests/test_cuda_*.cpp, test cases emu/*): every CUDA kernel against the CPU backend.
# - DPT_CUDA=EMU builds: ctest entry `emu` (label emu) runs them on the CUDA emulator.
# - DPT_CUDA=ON builds: ctest entry `gpu` (label gpu) runs the same cases on a real GPU; without one the
#   binary prints "SKIPPED (no CUDA device)" and ctest reports the test as skipped.
if(DPT_WITH_CUDA)
  if(DPT_CUDA_EMU)
    dpt_test_group(emu emu "--test-case=emu/*")
    set_tests_properties(emu PROPERTIES ENVIRONMENT "DPT_EMU_TIMEOUT=300")
  else()
    dpt_test_group(gpu gpu "--test-case=emu/*")
    set_tests_properties(gpu PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED \\(no CUDA device\\)")
  endif()
endif()
