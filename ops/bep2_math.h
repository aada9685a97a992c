// Per-joint and per-pixel maths of BEP2, the shifted edge patches (docs/sca.md section 1), shared by the CPU
// and CUDA kernels: which joints are usable, the source and target windows, and the plate values.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/dispatch.h"
#include "ops/heatmap_math.h"

namespace dpt {

// Note [BEP2]
// For joint j, a patch of the source's inverted edge bytes (255 - stored byte) around the source joint is
// pasted around the target joint, on a plate that is 1 elsewhere:
//  - usable: not missing, and the heatmap maximum inside the frame, exp(-d^2 / (2 sigma^2)) with d the
//    distance from the joint to the joint clamped into the frame, is > threshold, both rounded to float32
//    (the original compares the stored float32 heatmap's maximum). The position used is the clamped one.
//  - source window rows [max(sy - r, 0), min(sy + r, H)), columns likewise -> h x w;
//    target window rows [ty0, min(ty0 + h, H)), ty0 = max(ty - floor(h / 2), 0), columns likewise;
//    the plate there is the top-left part of the source patch (the contract's right-border rule: the
//    original's np.resize would wrap the rows instead, docs/sca.md section 7).
//  - network value 1 - 2 plate / 255 (Note [BEP2 values] of docs/sca.md: the original feeds 509 - 2 plate).
struct Bep2Params {
  double sigma = 12.0;     // of the heatmaps that decide usability
  int radius = 20;         // bep_radius
  double threshold = 0.1;  // bep_threshold
};

// Keypoint coordinate -> integer pixel index (keypoints are integer-valued; rounds half up otherwise).
DPT_HD inline int64_t bep2_index(double v) { return static_cast<int64_t>(floor(v + 0.5)); }

// Whether joint (y, x) is usable in an H x W frame; its clamped position in *yc, *xc.
DPT_HD inline bool bep2_joint_usable(double y, double x, int64_t H, int64_t W, const Bep2Params& p, int64_t* yc,
                                     int64_t* xc) {
  if (joint_missing(y, x)) return false;
  const int64_t yi = bep2_index(y), xi = bep2_index(x);
  *yc = yi < 0 ? 0 : (yi > H - 1 ? H - 1 : yi);
  *xc = xi < 0 ? 0 : (xi > W - 1 ? W - 1 : xi);
  const double d2 = static_cast<double>((*yc - yi) * (*yc - yi) + (*xc - xi) * (*xc - xi));
  const float peak = static_cast<float>(std::exp(-d2 / (2.0 * p.sigma * p.sigma)));
  return peak > static_cast<float>(p.threshold);
}

// The windows of one joint; used == false leaves the plate all 1.
struct Bep2Window {
  bool used = false;
  int64_t sy = -1, sx = -1, ty = -1, tx = -1;  // clamped joint positions
  int64_t sy0 = 0, sx0 = 0;                    // source window origin
  int64_t ty0 = 0, ty1 = 0, tx0 = 0, tx1 = 0;  // target window [ty0, ty1) x [tx0, tx1)
};

DPT_HD inline Bep2Window bep2_window(double sy, double sx, double ty, double tx, int64_t H, int64_t W,
                                     const Bep2Params& p) {
  Bep2Window w;
  if (!bep2_joint_usable(sy, sx, H, W, p, &w.sy, &w.sx) || !bep2_joint_usable(ty, tx, H, W, p, &w.ty, &w.tx)) {
    w.sy = w.sx = w.ty = w.tx = -1;
    return w;
  }
  w.used = true;
  const int64_t r = p.radius;
  w.sy0 = w.sy - r < 0 ? 0 : w.sy - r;
  w.sx0 = w.sx - r < 0 ? 0 : w.sx - r;
  const int64_t h = (w.sy + r < H ? w.sy + r : H) - w.sy0, wd = (w.sx + r < W ? w.sx + r : W) - w.sx0;
  w.ty0 = w.ty - h / 2 < 0 ? 0 : w.ty - h / 2;
  w.tx0 = w.tx - wd / 2 < 0 ? 0 : w.tx - wd / 2;
  w.ty1 = w.ty0 + h < H ? w.ty0 + h : H;
  w.tx1 = w.tx0 + wd < W ? w.tx0 + wd : W;
  return w;
}

// Plate value at (r, c): the inverted source byte inside the target window, else 1. edge: [H, W] bytes.
template <class T>
DPT_HD inline double bep2_plate(const Bep2Window& w, const T* edge, int64_t W, int64_t r, int64_t c) {
  if (!w.used || r < w.ty0 || r >= w.ty1 || c < w.tx0 || c >= w.tx1) return 1.0;
  return 255.0 - static_cast<double>(edge[(w.sy0 + r - w.ty0) * W + (w.sx0 + c - w.tx0)]);
}

DPT_HD inline double bep2_value(double plate) { return 1.0 - 2.0 * plate / 255.0; }

}  // namespace dpt
