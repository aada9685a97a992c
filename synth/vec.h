// Small 3-D vector and 3x3 matrix helpers for the synthetic renderer (float, header-only).
// Matrices are column-major in meaning: m.c[0..2] are the images of the local x, y, z axes.
#pragma once
#include <cmath>

namespace dpt::synth {

struct Vec3 {
  float x = 0, y = 0, z = 0;
};

inline Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator*(Vec3 a, float s) { return {a.x * s, a.y * s, a.z * s}; }
inline Vec3 operator*(float s, Vec3 a) { return a * s; }
inline float dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(Vec3 a, Vec3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
inline float norm(Vec3 a) { return std::sqrt(dot(a, a)); }
inline Vec3 normalize(Vec3 a) {
  float n = norm(a);
  return n > 0 ? a * (1.0f / n) : a;
}

// A linear map given by the images of the three local axes.
struct Mat3 {
  Vec3 c[3];
  Vec3 operator*(Vec3 v) const { return c[0] * v.x + c[1] * v.y + c[2] * v.z; }
};

inline Mat3 transpose(const Mat3& m) {
  return {{{m.c[0].x, m.c[1].x, m.c[2].x}, {m.c[0].y, m.c[1].y, m.c[2].y}, {m.c[0].z, m.c[1].z, m.c[2].z}}};
}

// Inverse by cofactors; the callers only invert well-conditioned frames times positive radii.
inline Mat3 inverse(const Mat3& m) {
  Vec3 r0 = cross(m.c[1], m.c[2]), r1 = cross(m.c[2], m.c[0]), r2 = cross(m.c[0], m.c[1]);
  float det = dot(m.c[0], r0);
  float s = 1.0f / det;
  // Rows of the inverse are r0, r1, r2 scaled; store as columns of the transpose.
  return transpose(Mat3{{r0 * s, r1 * s, r2 * s}});
}

// Rotates v about the unit axis k by angle a (Rodrigues).
inline Vec3 rotate(Vec3 v, Vec3 k, float a) {
  float c = std::cos(a), s = std::sin(a);
  return v * c + cross(k, v) * s + k * (dot(k, v) * (1 - c));
}

}  // namespace dpt::synth
