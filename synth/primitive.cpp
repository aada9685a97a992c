// Ray intersection and surface charts of the body primitives (primitive.h). Intersections are solved in
// the primitive's local frame, where every capsule is the unit capsule; t is the same in both frames.
#include "synth/primitive.h"

#include <algorithm>
#include <cmath>

namespace dpt::synth {

namespace {

constexpr float kPi = 3.14159265358979f;

// Entry parameter of the ray o + t d into the unit sphere around (0, cy, 0).
bool sphere_entry(Vec3 o, Vec3 d, float cy, float& t) {
  const Vec3 oc{o.x, o.y - cy, o.z};
  const float A = dot(d, d), B = 2 * dot(oc, d), C = dot(oc, oc) - 1;
  const float D = B * B - 4 * A * C;
  if (D < 0) return false;
  t = (-B - std::sqrt(D)) / (2 * A);
  return true;
}

bool capsule_entry(const Primitive& p, Vec3 o, Vec3 d, float& t) {
  const float hl = p.half_len;
  const float a = d.x * d.x + d.z * d.z, b = 2 * (o.x * d.x + o.z * d.z), c = o.x * o.x + o.z * o.z - 1;
  if (a < 1e-12f) {  // along the axis: only the caps can be met first
    if (c > 0) return false;
    float t0, t1;
    if (!sphere_entry(o, d, hl, t0) || !sphere_entry(o, d, -hl, t1)) return false;
    t = std::min(t0, t1);
    return true;
  }
  const float D = b * b - 4 * a * c;
  if (D < 0) return false;  // misses the infinite cylinder, which contains the capsule
  t = (-b - std::sqrt(D)) / (2 * a);
  const float y = o.y + t * d.y;
  if (std::fabs(y) <= hl) return true;
  // Entered the cylinder beyond an end: the first contact, if any, is that end's cap.
  return sphere_entry(o, d, y > 0 ? hl : -hl, t);
}

bool cone_entry(const Primitive& p, Vec3 o, Vec3 d, float& t) {
  const float e = p.cone_r0 + p.cone_slope * o.y, g = p.cone_slope * d.y;
  const float A = d.x * d.x + d.z * d.z - g * g, B = 2 * (o.x * d.x + o.z * d.z - e * g);
  const float C = o.x * o.x + o.z * o.z - e * e;
  float roots[2];
  int n = 0;
  if (std::fabs(A) < 1e-12f) {
    if (std::fabs(B) < 1e-12f) return false;
    roots[n++] = -C / B;
  } else {
    const float D = B * B - 4 * A * C;
    if (D < 0) return false;
    const float s = std::sqrt(D);
    roots[n++] = (-B - s) / (2 * A);
    roots[n++] = (-B + s) / (2 * A);
    if (roots[0] > roots[1]) std::swap(roots[0], roots[1]);
  }
  for (int i = 0; i < n; ++i) {
    const float y = o.y + roots[i] * d.y;
    if (y >= p.cone_y0 && y <= p.cone_y1 && p.cone_r0 + p.cone_slope * y >= 0) {
      t = roots[i];
      return true;
    }
  }
  return false;
}

float clamp01(float x) { return std::min(1.0f, std::max(0.0f, x)); }

}  // namespace

Primitive make_capsule(Vec3 center, Vec3 x, Vec3 y, Vec3 z, Vec3 radii, float half_len, Chart chart,
                       int part_a, int part_b) {
  Primitive p;
  p.center = center;
  p.to_world = Mat3{{x * radii.x, y * radii.y, z * radii.z}};
  p.to_local = inverse(p.to_world);
  p.half_len = half_len;
  p.chart = chart;
  p.part_a = part_a;
  p.part_b = part_b;
  return p;
}

void bounds(const Primitive& p, Vec3& lo, Vec3& hi) {
  // Local box: capsule |x|,|z| <= 1, |y| <= half_len + 1; cone |x|,|z| <= max radius, y in [y0, y1].
  Vec3 ext, mid;
  if (p.cone) {
    const float r = std::max(std::fabs(p.cone_r0 + p.cone_slope * p.cone_y0),
                             std::fabs(p.cone_r0 + p.cone_slope * p.cone_y1));
    ext = {r, 0.5f * (p.cone_y1 - p.cone_y0), r};
    mid = {0, 0.5f * (p.cone_y0 + p.cone_y1), 0};
  } else {
    ext = {1, p.half_len + 1, 1};
  }
  const Vec3 c = p.center + p.to_world * mid;
  const Mat3& m = p.to_world;
  const Vec3 half{std::fabs(m.c[0].x) * ext.x + std::fabs(m.c[1].x) * ext.y + std::fabs(m.c[2].x) * ext.z,
                  std::fabs(m.c[0].y) * ext.x + std::fabs(m.c[1].y) * ext.y + std::fabs(m.c[2].y) * ext.z,
                  std::fabs(m.c[0].z) * ext.x + std::fabs(m.c[1].z) * ext.y + std::fabs(m.c[2].z) * ext.z};
  lo = c - half;
  hi = c + half;
}

bool intersect(const Primitive& p, Vec3 origin, Vec3 local_dir, float& t, Vec3& q) {
  const Vec3 o = p.to_local * (origin - p.center);
  if (!(p.cone ? cone_entry(p, o, local_dir, t) : capsule_entry(p, o, local_dir, t))) return false;
  q = o + local_dir * t;
  return true;
}

SurfacePoint surface_point(const Primitive& p, Vec3 q) {
  SurfacePoint s;
  Vec3 n;  // local normal (gradient of the implicit surface)
  if (p.cone) {
    n = {q.x, -p.cone_slope * (p.cone_r0 + p.cone_slope * q.y), q.z};
  } else {
    const float hl = p.half_len;
    const float cy = q.y > hl ? hl : q.y < -hl ? -hl : q.y;
    n = {q.x, q.y - cy, q.z};
  }
  s.normal = normalize(transpose(p.to_local) * n);  // normals transform by the inverse transpose
  if (p.chart == Chart::None) return s;

  // Position along the axis over the whole capsule, 0 at the -y tip and 1 at the +y tip.
  const float along = clamp01((q.y + p.half_len + 1) / (2 * p.half_len + 2));
  const float lin_v = p.v0 + (p.v1 - p.v0) * along;
  const float theta = std::atan2(q.x, q.z);  // 0 along +z, +pi/2 along +x
  switch (p.chart) {
    case Chart::Split:
      if (q.z >= 0) {
        s.part = p.part_a;
        s.u = (theta + kPi / 2) / kPi;
      } else {
        s.part = p.part_b;
        s.u = ((theta < 0 ? theta + 2 * kPi : theta) - kPi / 2) / kPi;
      }
      s.v = lin_v;
      break;
    case Chart::Whole:
      s.part = p.part_a;
      s.u = (theta + kPi) / (2 * kPi);
      s.v = lin_v;
      break;
    case Chart::Head:
    case Chart::Neck:
      // Left half (+x): face (theta 0) -> back (pi); right half: back (-pi) -> face (0).
      s.part = q.x >= 0 ? p.part_a : p.part_b;
      s.u = q.x >= 0 ? theta / kPi : (theta + kPi) / kPi;
      s.v = p.chart == Chart::Neck ? lin_v : 1 - std::acos(std::max(-1.0f, std::min(1.0f, q.y / norm(q)))) / kPi;
      break;
    case Chart::None:
      break;
  }
  s.u = clamp01(s.u);
  s.v = clamp01(s.v);
  return s;
}

}  // namespace dpt::synth
