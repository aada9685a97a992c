// Golden parity of the networks through the CUDA path (label emu: on the CUDA emulator; label gpu: on a
// GPU): the golden/model/* checks of tests/test_models_golden.cpp (tests/models_golden_util.h) with the
// tiny model, the VGG19 weights and the inputs on the CUDA device — every forward intermediate, every
// loss value, every parameter gradient, the activation gradients and the Adam trajectories — compared,
// copied back to the CPU, with the golden tensors at the CPU cases' tolerances (tests/data/golden/README.md).
// Under emulation the stage cases take ~30 s in all, the three Adam trajectory cases another ~60 s.
#ifdef DPT_WITH_CUDA
#include <doctest/doctest.h>

#include "tests/cuda_parity.h"
#include "tests/models_golden_util.h"

using namespace dpt;
using namespace dpt::test;

TEST_CASE("emu/golden/model/predictive") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(golden_model_predictive);
}

TEST_CASE("emu/golden/model/predictive_traj") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(golden_model_predictive_traj);
}

TEST_CASE("emu/golden/model/inpainting") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(golden_model_inpainting);
}

TEST_CASE("emu/golden/model/inpainting_traj") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(golden_model_inpainting_traj);
}

TEST_CASE("emu/golden/model/blending") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(golden_model_blending);
}

TEST_CASE("emu/golden/model/blending_activation_grads") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(golden_model_blending_activation_grads);
}

TEST_CASE("emu/golden/model/blending_traj") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(golden_model_blending_traj);
}

TEST_CASE("emu/golden/model/vgg19_div16") {
  DPT_REQUIRE_CUDA();
  on_cuda_device(golden_model_vgg19_div16);
}

#endif  // DPT_WITH_CUDA
