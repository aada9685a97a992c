// Golden parity of the SCA-GAN networks through the CUDA path (label emu: on the CUDA emulator; gpu: on a
// GPU): the golden/sca/model/* checks of tests/test_sca_models.cpp with the tiny model, VGG19 weights,
// inputs and dropout masks on the CUDA device, compared (copied back to the CPU) with the golden tensors at
// the CPU cases' tolerances (tests/data/golden/sca/README.md).
#ifdef DPT_WITH_CUDA
#include <doctest/doctest.h>

#include "tests/cuda_parity.h"
#include "tests/sca_model_util.h"

using namespace dpt;
using namespace dpt::test;

TEST_CASE("emu/golden/sca/phase1") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(sca_golden_phase1);
}

TEST_CASE("emu/golden/sca/phase1_term_grads") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(sca_golden_phase1_term_grads);
}

TEST_CASE("emu/golden/sca/phase1_traj") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(sca_golden_phase1_traj);
}

TEST_CASE("emu/golden/sca/phase2") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(sca_golden_phase2);
}

TEST_CASE("emu/golden/sca/phase2_term_grads") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(sca_golden_phase2_term_grads);
}

TEST_CASE("emu/golden/sca/phase2_blockwise") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(sca_golden_phase2_blockwise);
}

TEST_CASE("emu/golden/sca/phase2_traj") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(sca_golden_phase2_traj);
}
#endif  // DPT_WITH_CUDA
