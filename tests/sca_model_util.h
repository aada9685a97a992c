// Helpers shared by the SCA-GAN model tests (tests/test_sca_models.cpp, test_sca_models_cuda.cpp,
// test_sca_ablation.cpp): a small network configuration and the golden model checks run per device.
#pragma once
#include "core/dtype.h"
#include "models/sca/config.h"

namespace dpt::test {

// A configuration small enough for every case (36x40, widths 1-3, one residual block); not the golden
// tiny model (that one is read from tests/data/golden/sca).
inline ScaConfig small_sca_config() {
  ScaConfig c;
  c.H = 36;
  c.W = 40;
  c.pct_ngf = 2;
  c.pct_blocks = 1;
  c.isn_ngf = 1;
  c.z_dim = 4;
  c.spade_hidden = 3;
  c.ndf = 2;
  return c;
}

// The golden/sca/model/* checks on `dev` (defined in tests/test_sca_models.cpp; the emu/golden/sca/*
// cases run them on the CUDA device).
void sca_golden_phase1(Device dev);
void sca_golden_phase1_term_grads(Device dev);
void sca_golden_phase1_traj(Device dev);
void sca_golden_phase2(Device dev);
void sca_golden_phase2_term_grads(Device dev);
void sca_golden_phase2_blockwise(Device dev);
void sca_golden_phase2_traj(Device dev);

}  // namespace dpt::test
