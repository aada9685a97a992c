// The golden checks of the networks at the tiny configuration (tests/data/golden/stage_*.safetensors,
// vgg19_div16_case.safetensors), defined in tests/test_models_golden.cpp and shared by two sets of test
// cases: golden/model/* run them on the CPU, emu/golden/model/* (tests/test_cuda_parity_models.cpp) on
// the CUDA device. Each loads the tiny model (and VGG19 weights) and moves it and its inputs to `dev`
// (Module::to, Tensor::to), requires every checked result to be on `dev`, and compares it, copied back
// to the CPU, with the golden tensor at the tolerances of tests/data/golden/README.md.
#pragma once
#include "core/dtype.h"

namespace dpt::test {

// Stage files: every forward intermediate, every loss value and every parameter gradient.
void golden_model_predictive(Device dev);
void golden_model_inpainting(Device dev);
void golden_model_blending(Device dev);
// dloss_G.* and each loss term's d<term>.y_hat at the golden activations.
void golden_model_blending_activation_grads(Device dev);
// The Adam trajectories (traj.*): 3 steps from fresh moments, the loss before each.
void golden_model_predictive_traj(Device dev);
void golden_model_inpainting_traj(Device dev);
void golden_model_blending_traj(Device dev);
// VGG19 at 1/16 width: features, Lp, Ls and their input gradients.
void golden_model_vgg19_div16(Device dev);

}  // namespace dpt::test
