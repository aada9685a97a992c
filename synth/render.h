// Renders one view of a synthetic person: z-buffered ray casting of the body primitives in an
// orthographic camera, colour = bilinear atlas lookup at the pixel's exact (quantised) IUV times Lambert.
#pragma once
#include <cstdint>
#include <vector>

#include "io/image.h"
#include "synth/person.h"
#include "synth/pose.h"

namespace dpt::synth {

struct RenderOptions {
  int height = 256, width = 176;
  int tile = 64;          // S of the person's atlas
  float shading = 0.25f;  // 0: flat (image = atlas lookup exactly), 1: full Lambert
  float seam_noise = 0;   // 0..1, see seam_noise.h
};

// Note [Synth IUV exactness]
// Per pixel centre, the nearest body surface gives (I, u, v); u and v are quantised to the bytes
// U = floor(u * 255), V = floor(v * 255) *before* the atlas lookup, so the image colour is the atlas
// sampled at exactly the coordinates the IUV file decodes to (times the shade). Off-surface hair and
// skirt pixels show their own colour but keep the IUV of the body behind them (background if none),
// as DensePose would; seam noise perturbs only the IUV, never the image.
struct Frame {
  int height = 0, width = 0;
  std::vector<uint8_t> rgb;  // [H, W, 3] image
  std::vector<uint8_t> iuv;  // [H, W, 3] (I, U byte, V byte); I = 0 is background
};

// The orthographic camera of a view: world X, Y (metres) -> image column cx + X scale, row
// floor_row - Y scale (continuous; pixel (r, c) covers [c, c + 1) x [r, r + 1), its ray goes through the
// centre). The person's height fills ~88% of the frame, soles near the bottom.
struct Camera {
  float scale = 1, cx = 0, floor_row = 0;
};
Camera view_camera(const Person& person, const Pose& pose, const RenderOptions& opt);

Frame render_view(const Person& person, const Image8& atlas, const Pose& pose, const RenderOptions& opt,
                  uint64_t view_seed);

Image8 rgb_image(const Frame& f);
// The IUV PNG in DensePose's order (docs/dpt.md section 1): R = V, G = U, B = I.
Image8 iuv_image(const Frame& f);

}  // namespace dpt::synth
