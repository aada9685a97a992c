// Per-pixel maths of the keypoint heatmaps (docs/sca.md section 1), shared by the CPU and CUDA kernels:
// channel j = exp(-((r - y_j)^2 + (c - x_j)^2) / (2 sigma^2)) at integer pixel (r, c), evaluated in
// double (the original computes float64 and stores float32); a missing joint gives an all-zero channel.
#pragma once
#include <cmath>

#include "core/dispatch.h"

namespace dpt {

// Note [keypoint convention]
// Keypoints are (y, x) pixel indices in the image frame (row, column), COCO-18 order (io/keypoints.h).
// -1 in either coordinate is "missing" (docs/sca.md section 1; the PATN crop's x = 39 -> -1 trap is kept).
// Any other value outside the frame is a real joint outside the image: its Gaussian tail is drawn.
constexpr int kHeatmapJoints = 18;
constexpr double kMissingCoord = -1.0;

DPT_HD inline bool joint_missing(double y, double x) { return y == kMissingCoord || x == kMissingCoord; }

// The heatmap value at pixel (r, c) of a joint at (y, x); 0 for a missing joint.
DPT_HD inline double heatmap_value(double r, double c, double y, double x, double sigma) {
  if (joint_missing(y, x)) return 0.0;
  const double dy = r - y, dx = c - x;
  return std::exp(-(dy * dy + dx * dx) / (2.0 * sigma * sigma));
}

}  // namespace dpt
