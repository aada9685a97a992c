// Skeleton and primitives of the synthetic body (build_body in body.h). Joint positions are fractions of
// the person's height; limbs are capsules between joints, hands and feet ellipsoids, the head an ellipsoid.
#include "synth/body.h"

#include <cmath>

#include "synth/parts.h"

namespace dpt::synth {

namespace {

// Unit component of a orthogonal to the unit vector n (falls back to `other` when a is parallel to n).
Vec3 orthogonal(Vec3 a, Vec3 n, Vec3 other) {
  Vec3 r = a - n * dot(a, n);
  if (norm(r) < 1e-3f) r = other - n * dot(other, n);
  return normalize(r);
}

// A capsule from joint `prox` to joint `dist` with circular radius r; z is the split direction.
Primitive limb(Vec3 prox, Vec3 dist, Vec3 z_hint, float r, int part_a, int part_b) {
  const Vec3 y = normalize(prox - dist);
  const Vec3 z = orthogonal(z_hint, y, Vec3{0, 1, 0});
  const float half = 0.5f * norm(prox - dist);
  return make_capsule((prox + dist) * 0.5f, cross(y, z), y, z, {r, r, r}, half / r, Chart::Split, part_a, part_b);
}

// Direction of a limb hanging from a joint: abduct away from the body side `sign`, swing toward `fwd`.
Vec3 swing(Vec3 side, Vec3 up, Vec3 fwd, float sign, float abduct, float flex) {
  return side * (sign * std::sin(abduct) * std::cos(flex)) - up * (std::cos(abduct) * std::cos(flex)) +
         fwd * std::sin(flex);
}

}  // namespace

std::vector<Primitive> build_body(const Person& person, const Pose& pose, Skeleton* skeleton) {
  const BodyShape& s = person.shape;
  const float h = s.height;
  std::vector<Primitive> out;
  Skeleton sk;  // COCO-18 order (io/keypoints.h)
  enum { kNose, kNeck, kRsho, kRelb, kRwri, kLsho, kLelb, kLwri, kRhip, kRkne, kRank, kLhip, kLkne, kLank, kLeye,
         kReye, kLear, kRear };

  // Torso frame: lean forward about the body's left axis, then twist about the spine.
  const Vec3 X{1, 0, 0}, Y{0, 1, 0}, Z{0, 0, 1};
  const Vec3 spine{0, std::cos(pose.lean), std::sin(pose.lean)};
  const Vec3 front = rotate(Vec3{0, -std::sin(pose.lean), std::cos(pose.lean)}, spine, pose.twist);
  const Vec3 left = cross(spine, front);
  const Vec3 pelvis{0, 0.52f * h, 0};
  const Vec3 base = pelvis - spine * (0.05f * h);
  const float torso_len = 0.365f * h, torso_cap = 0.05f * h;
  out.push_back(make_capsule(base + spine * (0.5f * torso_len), left, spine, front,
                             {s.torso_rx, torso_cap, s.torso_rz}, (0.5f * torso_len - torso_cap) / torso_cap,
                             Chart::Split, kTorsoFront, kTorsoBack));

  // Head: yaw about the spine, then pitch (nod) about the head's left axis; a short neck below it.
  const Vec3 neck = base + spine * torso_len;
  Vec3 head_f = rotate(front, spine, pose.head_yaw);
  const Vec3 head_l = cross(spine, head_f);
  const Vec3 head_up = rotate(spine, head_l, -pose.head_pitch);
  head_f = rotate(head_f, head_l, -pose.head_pitch);
  const Vec3 head_c = neck + spine * (0.02f * h) + head_up * (0.85f * s.head_ry);
  out.push_back(make_capsule(head_c, head_l, head_up, head_f, {s.head_rx, s.head_ry, s.head_rz}, 0, Chart::Head,
                             kHeadL, kHeadR));
  const float neck_r = 0.55f * s.head_rx;
  Primitive neck_p = limb(head_c, neck - spine * (0.03f * h), head_f, neck_r, kHeadL, kHeadR);
  neck_p.to_world = Mat3{{head_l * neck_r, neck_p.to_world.c[1], head_f * neck_r}};  // keep the head's u frame
  neck_p.to_local = inverse(neck_p.to_world);
  neck_p.chart = Chart::Neck;
  neck_p.v0 = 0.0f;
  neck_p.v1 = 0.25f;
  out.push_back(neck_p);
  // Face points just under the head ellipsoid's surface (inside it: (0.35^2 + 0.1^2 + 0.92^2) < 1).
  auto on_head = [&](float l, float u, float f) {
    return head_c + head_l * (l * s.head_rx) + head_up * (u * s.head_ry) + head_f * (f * s.head_rz);
  };
  sk.joint[kNose] = on_head(0, -0.2f, 0.95f);
  sk.joint[kLeye] = on_head(0.35f, 0.1f, 0.9f);
  sk.joint[kReye] = on_head(-0.35f, 0.1f, 0.9f);
  sk.joint[kLear] = on_head(0.95f, 0, 0);
  sk.joint[kRear] = on_head(-0.95f, 0, 0);
  for (int j : {kNose, kLeye, kReye, kLear, kRear}) sk.depth[j] = 0.25f * s.head_rz;

  // Arms ([0] right, [1] left): the split direction is medial (DensePose's inner/outer halves).
  static const int kUA[2][2] = {{kUpperArmRInner, kUpperArmROuter}, {kUpperArmLInner, kUpperArmLOuter}};
  static const int kLA[2][2] = {{kLowerArmRInner, kLowerArmROuter}, {kLowerArmLInner, kLowerArmLOuter}};
  static const int kHand[2] = {kHandR, kHandL};
  for (int side = 0; side < 2; ++side) {
    const float sign = side == 0 ? -1.0f : 1.0f;
    const ArmPose& a = pose.arm[side];
    const Vec3 shoulder = base + spine * (0.315f * h) + left * (sign * s.shoulder);
    const Vec3 d = swing(left, spine, front, sign, a.abduct, a.flex);
    const Vec3 elbow = shoulder + d * (0.17f * h);
    const Vec3 medial = left * -sign;
    out.push_back(limb(shoulder, elbow, medial, s.upper_arm_r, kUA[side][0], kUA[side][1]));
    // The elbow bends the forearm toward the front of the upper arm.
    const Vec3 fwd = orthogonal(front, d, medial);
    const Vec3 axis = normalize(cross(d, fwd));
    const Vec3 d2 = rotate(d, axis, a.elbow);
    const Vec3 wrist = elbow + d2 * (0.15f * h);
    const Vec3 medial2 = rotate(orthogonal(medial, d, fwd), axis, a.elbow);
    out.push_back(limb(elbow, wrist, medial2, s.lower_arm_r, kLA[side][0], kLA[side][1]));
    const Vec3 hy = d2 * -1.0f, hz = orthogonal(medial2, hy, fwd);
    out.push_back(make_capsule(wrist + d2 * (0.045f * h), cross(hy, hz), hy, hz,
                               {0.03f * h, 0.05f * h, 0.013f * h}, 0, Chart::Whole, kHand[side], 0));
    const int js = side == 0 ? kRsho : kLsho;  // sho, elb, wri follow each other
    sk.joint[js] = shoulder, sk.joint[js + 1] = elbow, sk.joint[js + 2] = wrist;
    sk.depth[js] = sk.depth[js + 1] = 1.6f * s.upper_arm_r;
    sk.depth[js + 2] = 1.6f * s.lower_arm_r;
  }
  sk.joint[kNeck] = (sk.joint[kRsho] + sk.joint[kLsho]) * 0.5f;
  sk.depth[kNeck] = 1.6f * s.torso_rz;

  // Legs: the split direction is anterior; the knee bends backward.
  static const int kUL[2][2] = {{kUpperLegRFront, kUpperLegRBack}, {kUpperLegLFront, kUpperLegLBack}};
  static const int kLL[2][2] = {{kLowerLegRFront, kLowerLegRBack}, {kLowerLegLFront, kLowerLegLBack}};
  static const int kFoot[2] = {kFootR, kFootL};
  for (int side = 0; side < 2; ++side) {
    const float sign = side == 0 ? -1.0f : 1.0f;
    const LegPose& l = pose.leg[side];
    const Vec3 hip = pelvis + X * (sign * s.hip);
    const Vec3 d = swing(X, Y, Z, sign, l.abduct, l.flex);
    const Vec3 knee = hip + d * (0.245f * h);
    out.push_back(limb(hip, knee, Z, s.upper_leg_r, kUL[side][0], kUL[side][1]));
    const Vec3 fwd = orthogonal(Z, d, Y);
    const Vec3 axis = normalize(cross(d, fwd * -1.0f));
    const Vec3 d2 = rotate(d, axis, l.knee);
    const Vec3 ankle = knee + d2 * (0.23f * h);
    out.push_back(limb(knee, ankle, rotate(fwd, axis, l.knee), s.lower_leg_r, kLL[side][0], kLL[side][1]));
    const Vec3 fy = Z * -1.0f;  // foot chart axis points to the heel; +z is the top of the foot
    out.push_back(make_capsule(ankle + Z * (0.03f * h) - Y * (0.02f * h), cross(fy, Y), fy, Y,
                               {0.028f * h, 0.07f * h, 0.024f * h}, 0, Chart::Whole, kFoot[side], 0));
    const int jh = side == 0 ? kRhip : kLhip;  // hip, knee, ankle follow each other
    sk.joint[jh] = hip, sk.joint[jh + 1] = knee, sk.joint[jh + 2] = ankle;
    sk.depth[jh] = sk.depth[jh + 1] = 1.6f * s.upper_leg_r;
    sk.depth[jh + 2] = 1.6f * s.lower_leg_r;
  }

  // Off-surface extras (Chart::None): DensePose labels what lies under them, or background.
  if (person.look.loose_hair) {
    const float half = 0.11f * h, ry = s.head_rx;
    const Vec3 top = head_c + head_up * (s.head_ry + 0.012f * h);
    Primitive hair = make_capsule(top - head_up * half - head_f * (0.35f * s.head_rz), head_l, head_up, head_f,
                                  {1.15f * s.head_rx, ry, 0.8f * s.head_rz}, (half - ry) / ry, Chart::None, 0, 0);
    hair.material = Material::Hair;
    out.push_back(hair);
  }
  if (person.look.loose_skirt) {
    Primitive skirt;
    skirt.cone = true;
    skirt.chart = Chart::None;
    skirt.material = Material::Skirt;
    skirt.center = base + spine * (0.13f * h);
    skirt.to_world = Mat3{{left, spine * -1.0f, front * 0.8f}};
    skirt.to_local = inverse(skirt.to_world);
    skirt.cone_r0 = 1.03f * s.torso_rx;
    skirt.cone_slope = 0.3f;
    skirt.cone_y0 = 0;
    skirt.cone_y1 = 0.27f * h;
    out.push_back(skirt);
  }

  // Body frame -> world: the body's forward is -Z at yaw 0 (facing the camera), its left is +X.
  const float cy = std::cos(pose.yaw), sy = std::sin(pose.yaw);
  const Mat3 B{{{cy, 0, -sy}, {0, 1, 0}, {-sy, 0, -cy}}};
  const Mat3 Binv = inverse(B);
  for (Primitive& p : out) {
    p.center = B * p.center;
    p.to_world = Mat3{{B * p.to_world.c[0], B * p.to_world.c[1], B * p.to_world.c[2]}};
    p.to_local = Mat3{{p.to_local * Binv.c[0], p.to_local * Binv.c[1], p.to_local * Binv.c[2]}};
  }
  if (skeleton) {
    for (Vec3& j : sk.joint) j = B * j;
    *skeleton = sk;
  }
  return out;
}

}  // namespace dpt::synth
