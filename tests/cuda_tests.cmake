# CUDA parity tests (tests/test_cuda_*.cpp, test cases emu/*): every CUDA kernel against the CPU backend.
# - DPT_CUDA=EMU builds: ctest entry `emu` (label emu) runs them on the CUDA emulator.
# - DPT_CUDA=ON builds: ctest entry `gpu` (label gpu) runs the same cases on a real GPU; without one every
#   case skips and ctest reports the entry as skipped (Note [skipped tests] in test_util.h). The cuDNN
#   case has its own entry `gpu_cudnn`: a build without cuDNN skips it alone.
if(DPT_WITH_CUDA)
  if(DPT_CUDA_EMU)
    dpt_test_group(emu emu "--test-case=emu/*")
    set_tests_properties(emu PROPERTIES ENVIRONMENT "DPT_EMU_TIMEOUT=300")
  else()
    dpt_test_group(gpu gpu "--test-case=emu/*" "--test-case-exclude=emu/conv cudnn*")
    dpt_test_group(gpu_cudnn gpu "--test-case=emu/conv cudnn*")
  endif()
endif()
