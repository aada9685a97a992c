// Per-point bilinear maths of grid_sample and uv_splat (its adjoint), shared by the CPU and CUDA kernels.
// Conventions: Note [grid_sample convention] below.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/dispatch.h"

namespace dpt {

// Note [grid_sample convention]
// PyTorch's grid_sample(mode="bilinear", padding_mode="zeros", align_corners=True):
// - a grid value g in [-1, 1] maps to the pixel coordinate x = (g + 1) / 2 * (size - 1), so -1 is the
//   centre of pixel 0 and +1 the centre of pixel size-1;
// - the four corners are x0 = floor(x), x1 = x0 + 1 (same for y); the weight of x1 is fx = x - x0 and
//   the weight of x0 is 1 - fx. At an exact integer x the point takes pixel x0 with weight 1, and the
//   derivative w.r.t. x is the one-sided one of that cell (PyTorch's);
// - corners outside the image read 0 (and receive nothing in the adjoint). A point with x outside
//   [-1, size) has no inside corner at all and contributes nothing, not even a grid gradient.
// Corner k = 0..3 is (x0 + (k & 1), y0 + (k >> 1)): nw, ne, sw, se.
//
// Note [grid snapping]
// A normalised grid cannot hold most pixel positions exactly: rounding a float32 grid value moves the
// point by up to 2^-25 (size-1)/2 pixels, and float32 un-normalisation adds as much again per ulp of x
// (6e-5 px at size 1024). DensePose points often sit exactly on texel centres (at S = 256 every one
// does: u (S-1) = the U byte), so the rounding sprays weights of ~1e-6..1e-4 onto neighbouring texels,
// and tex = acc / w amplifies that where w is small (2.4e-5 off the float64 reference on png case 1).
// Hence the pixel coordinate is computed in double and snapped to the nearest integer when within
// eps(dtype) (size-1) pixels (8x the float32 rounding bound; ~1e-15 px for float64). This changes a
// weight by at most that much, keeps PyTorch's values and one-sided derivatives at exact integers, and
// is shared by grid_sample and uv_splat, so uv_splat stays exactly grid_sample's adjoint.

// Machine epsilon of the tensor dtype (device-safe, unlike std::numeric_limits).
template <class T> struct GridEps;
template <> struct GridEps<float> { static constexpr double value = 1.1920928955078125e-7; };
template <> struct GridEps<double> { static constexpr double value = 2.220446049250313e-16; };

// Grid value -> pixel coordinate (align_corners=True), and its derivative d pixel / d grid. The
// coordinate is computed in double whatever T is and snapped to the nearest integer when closer than
// eps(T) * (size - 1): Note [grid snapping].
template <class T>
DPT_HD inline double grid_unnormalize(T g, int64_t size) {
  const double x = (static_cast<double>(g) + 1.0) / 2.0 * static_cast<double>(size - 1);
  const double r = std::nearbyint(x);
  return std::fabs(x - r) <= GridEps<T>::value * static_cast<double>(size - 1) ? r : x;
}
template <class T>
DPT_HD inline T grid_unnormalize_scale(int64_t size) {
  return T(size - 1) / T(2);
}
// Pixel coordinate -> grid value (the inverse; used by iuv_to_grid).
DPT_HD inline double grid_normalize(double x, int64_t size) {
  return 2.0 * x / static_cast<double>(size - 1) - 1.0;
}

// One sampling point in an H x W image: its top-left corner and the fractional offsets.
template <class T>
struct BilinearPoint {
  int64_t x0 = 0, y0 = 0;  // floor of the pixel coordinates
  T fx = T(0), fy = T(0);  // weights of x0 + 1 and y0 + 1
  bool any = false;        // some corner lies inside the image
};

// x, y in pixel units. Points outside [-1, W) x [-1, H) (and NaN) have no inside corner: any = false
// (this also keeps floor() far from int64 overflow).
template <class T>
DPT_HD inline BilinearPoint<T> bilinear_point(double x, double y, int64_t H, int64_t W) {
  BilinearPoint<T> b;
  if (!(x >= -1.0 && x < static_cast<double>(W) && y >= -1.0 && y < static_cast<double>(H))) return b;
  const double xf = std::floor(x), yf = std::floor(y);
  b.x0 = static_cast<int64_t>(xf);
  b.y0 = static_cast<int64_t>(yf);
  b.fx = static_cast<T>(x - xf);
  b.fy = static_cast<T>(y - yf);
  b.any = true;
  return b;
}

// Corner k's flat offset yi * W + xi; false when the corner lies outside the image.
template <class T>
DPT_HD inline bool bilinear_corner(const BilinearPoint<T>& b, int k, int64_t H, int64_t W, int64_t* offset) {
  const int64_t xi = b.x0 + (k & 1), yi = b.y0 + (k >> 1);
  if (xi < 0 || xi >= W || yi < 0 || yi >= H) return false;
  *offset = yi * W + xi;
  return true;
}

// Corner k's bilinear weight and its partial derivatives w.r.t. x and y (pixel units).
template <class T>
DPT_HD inline T bilinear_weight(const BilinearPoint<T>& b, int k) {
  const T wx = (k & 1) ? b.fx : T(1) - b.fx;
  const T wy = (k >> 1) ? b.fy : T(1) - b.fy;
  return wx * wy;
}
template <class T>
DPT_HD inline T bilinear_weight_dx(const BilinearPoint<T>& b, int k) {
  const T wy = (k >> 1) ? b.fy : T(1) - b.fy;
  return (k & 1) ? wy : -wy;
}
template <class T>
DPT_HD inline T bilinear_weight_dy(const BilinearPoint<T>& b, int k) {
  const T wx = (k & 1) ? b.fx : T(1) - b.fx;
  return (k >> 1) ? wx : -wx;
}

// Sampled value of one H x W plane at the point (zeros outside).
template <class T>
DPT_HD inline T bilinear_sample(const T* plane, const BilinearPoint<T>& b, int64_t H, int64_t W) {
  T v = T(0);
  if (!b.any) return v;
  for (int k = 0; k < 4; ++k) {
    int64_t o;
    if (bilinear_corner(b, k, H, W, &o)) v += bilinear_weight(b, k) * plane[o];
  }
  return v;
}

// The adjoint: plane[corner] += weight * value for the inside corners. Not atomic: the caller makes
// sure no other thread writes this plane (Note [splat determinism] in ops/uv_splat.h).
template <class T>
DPT_HD inline void bilinear_scatter(T* plane, const BilinearPoint<T>& b, int64_t H, int64_t W, T value) {
  if (!b.any) return;
  for (int k = 0; k < 4; ++k) {
    int64_t o;
    if (bilinear_corner(b, k, H, W, &o)) plane[o] += bilinear_weight(b, k) * value;
  }
}

// d sample / dx and d sample / dy (pixel units) of one plane at the point, added to *dx, *dy.
template <class T>
DPT_HD inline void bilinear_sample_grad_xy(const T* plane, const BilinearPoint<T>& b, int64_t H, int64_t W, T* dx,
                                           T* dy) {
  if (!b.any) return;
  for (int k = 0; k < 4; ++k) {
    int64_t o;
    if (!bilinear_corner(b, k, H, W, &o)) continue;
    *dx += bilinear_weight_dx(b, k) * plane[o];
    *dy += bilinear_weight_dy(b, k) * plane[o];
  }
}

// Grid point (gx, gy) of a [.., 2] grid -> the bilinear point in an H x W image.
template <class T>
DPT_HD inline BilinearPoint<T> grid_point(T gx, T gy, int64_t H, int64_t W) {
  return bilinear_point<T>(grid_unnormalize(gx, W), grid_unnormalize(gy, H), H, W);
}

}  // namespace dpt
