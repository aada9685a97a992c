// DensePose-like IUV errors near part seams and silhouettes, for the realism knob --seam-noise.
// Only the IUV map is perturbed; the image stays the truth (Note [Synth IUV exactness] in render.h).
#pragma once
#include <cstdint>
#include <vector>

namespace dpt::synth {

// iuv [H, W, 3] (I, U byte, V byte), changed in place. amount in [0, 1]. Pixels within R = 1 +
// round(2 amount) of a label change copy the IUV of a neighbour displaced by a random offset (one
// offset per 3x3 block, so boundaries become ragged rather than salt-and-pepper), and foreground
// pixels there get U, V jitter of up to 1 + round(6 amount) bytes. Deterministic in `seed`.
void add_seam_noise(std::vector<uint8_t>& iuv, int height, int width, float amount, uint64_t seed);

}  // namespace dpt::synth
