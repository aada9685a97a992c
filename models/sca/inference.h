// SCA-GAN inference helpers shared by tools/dpt-infer and the tests (docs/sca.md section 6): one pair's network
// inputs from files (source image, its edge map or XDoG, source and target keypoints), z from a seed, zero
// or a file, and the frozen forward. No training code (dpt-infer links none).
#pragma once
#include <string>

#include "io/keypoints.h"
#include "models/sca/sca.h"

namespace dpt {

struct ScaInferInputs {
  Tensor P1;         // [1, 3, H, W] source image in [-1, 1]
  Tensor E1;         // [1, 1, H, W] source edge bytes 0..255 (dark lines), as stored
  Tensor EP1;        // [1, 1, H, W] 1 - 2 E1 / 255
  Tensor BP2;        // [1, 18, H, W] target heatmaps
  Tensor BEP2;       // [1, 18, H, W] shifted source edge patches
};

// Refuses keypoints that cannot belong to an H x W image: a joint further outside the frame than half the
// frame's size (PATN's crop leaves joints at most ~23% of the width outside), or no joint inside the frame
// while some are present. The error names `what` (file and name), the joint and the size.
void check_keypoints_fit(const Keypoints& kp, int64_t H, int64_t W, const std::string& what);

// The network inputs of one pair. `source_edges` is the source's edge PNG ("" = XDoG of the image with the
// config's parameters). The image (and edge map) must be cfg.H x cfg.W; errors name the files.
ScaInferInputs load_sca_inputs(const ScaConfig& cfg, const std::string& source_image, const std::string& source_edges,
                               const Keypoints& source_kp, const Keypoints& target_kp);
// The same from tensors already in memory: P1 [1, 3, H, W] in [-1, 1], E1 [1, 1, H, W] edge bytes.
ScaInferInputs make_sca_inputs(const ScaConfig& cfg, const Tensor& P1, const Tensor& E1, const Keypoints& source_kp,
                               const Keypoints& target_kp);

// z [1, z_dim] of pair `index` (0-based): "zero" gives the mean (zeros); "seed:N" draws N(0, I) from
// Generator(rng_bits(N, index)) -- a fixed seed gives the same z, hence the same output; anything else is a
// safetensors file holding "z" as [z_dim] or [M, z_dim] (row `index`, index < M).
Tensor sca_latent(const std::string& spec, int64_t z_dim, int64_t index);

struct ScaInferOutputs {
  Tensor fake_EP2;  // [1, 1, H, W] the generated target edge map (lines +1)
  Tensor fake_P2;   // [1, 3, H, W] in (-1, 1)
};
// The frozen PCT-Net (eval mode) and the IS-Net, without gradients, on the model's device.
ScaInferOutputs run_sca_transfer(const ScaGan& model, const ScaInferInputs& in, const Tensor& z);

// Displayable [1, 3, H, W] in [-1, 1]: an edge map (lines +1) as stored (dark lines on white), and the
// maximum over the 18 heatmaps (bright on black).
Tensor sca_edge_display(const Tensor& ep);
Tensor sca_heatmap_display(const Tensor& bp);

}  // namespace dpt
