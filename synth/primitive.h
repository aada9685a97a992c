// Parametric surfaces of the synthetic body: affine images of a unit capsule (limbs, torso, head, hands,
// feet, loose hair) or of an open cone (a loose skirt), with ray intersection and the DensePose chart.
#pragma once
#include "synth/vec.h"

namespace dpt::synth {

// How a primitive maps a surface point to (part, u, v); see Note [Synth part convention] in parts.h.
enum class Chart {
  Split,  // two halves split by the local z sign: +z -> part_a, -z -> part_b; u across, v along y
  Whole,  // one part (hands, feet): u once around the local y axis, v along it
  Head,   // split by the local x sign: +x -> part_a (left), -x -> part_b (right); v from the polar angle
  Neck,   // like Head, but v linear along y (the neck below the chin)
  None,   // not on the body surface (loose hair, skirt): IUV background
};

enum class Material { Body, Hair, Skirt };

struct Primitive {
  bool cone = false;       // false: unit capsule x^2 + z^2 <= 1 around the y segment [-half_len, half_len]
  float half_len = 0;      // capsule: straight half length in local units (0 gives an ellipsoid)
  float cone_r0 = 1, cone_slope = 0, cone_y0 = 0, cone_y1 = 1;  // cone: radius r0 + slope*y, y in [y0, y1]
  Vec3 center;             // world position of the local origin
  Mat3 to_world;           // local -> world linear part (frame times radii)
  Mat3 to_local;           // its inverse
  Chart chart = Chart::Split;
  int part_a = 0, part_b = 0;
  float v0 = 0, v1 = 1;    // Split / Whole / Neck: v = v0 + (v1 - v0) * (position along y)
  Material material = Material::Body;
};

// Builds a primitive from a right-handed orthonormal frame (x, y, z) scaled by radii (rx, ry, rz).
Primitive make_capsule(Vec3 center, Vec3 x, Vec3 y, Vec3 z, Vec3 radii, float half_len, Chart chart,
                       int part_a, int part_b);

// Axis-aligned world box containing the primitive (for screen-space culling).
void bounds(const Primitive& p, Vec3& lo, Vec3& hi);

// Intersects the world ray origin + t * dir (dir fixed per render) with p; returns true with the
// nearest t and the local hit point q. `local_dir` is to_local * dir, precomputed by the caller.
bool intersect(const Primitive& p, Vec3 origin, Vec3 local_dir, float& t, Vec3& q);

struct SurfacePoint {
  int part = 0;     // 0 for non-body material
  float u = 0, v = 0;
  Vec3 normal;      // world, unit
};
SurfacePoint surface_point(const Primitive& p, Vec3 q);

}  // namespace dpt::synth
