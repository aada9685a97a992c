// Projection and visibility of the skeleton's COCO-18 joints (Note [Synth keypoints] in keypoints.h).
#include "synth/keypoints.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "synth/body.h"
#include "synth/parts.h"

namespace dpt::synth {

const std::vector<int>& coco_joint_parts(int joint) {
  static const std::vector<int> kHead = {kHeadR, kHeadL};
  static const std::vector<int> kTable[kCocoJoints] = {
      kHead,                                                                           // nose
      {kTorsoBack, kTorsoFront, kHeadR, kHeadL},                                       // neck
      {kTorsoBack, kTorsoFront, kUpperArmRInner, kUpperArmROuter},                     // Rsho
      {kUpperArmRInner, kUpperArmROuter, kLowerArmRInner, kLowerArmROuter},            // Relb
      {kLowerArmRInner, kLowerArmROuter, kHandR},                                      // Rwri
      {kTorsoBack, kTorsoFront, kUpperArmLInner, kUpperArmLOuter},                     // Lsho
      {kUpperArmLInner, kUpperArmLOuter, kLowerArmLInner, kLowerArmLOuter},            // Lelb
      {kLowerArmLInner, kLowerArmLOuter, kHandL},                                      // Lwri
      {kTorsoBack, kTorsoFront, kUpperLegRBack, kUpperLegRFront},                      // Rhip
      {kUpperLegRBack, kUpperLegRFront, kLowerLegRBack, kLowerLegRFront},              // Rkne
      {kLowerLegRBack, kLowerLegRFront, kFootR},                                       // Rank
      {kTorsoBack, kTorsoFront, kUpperLegLBack, kUpperLegLFront},                      // Lhip
      {kUpperLegLBack, kUpperLegLFront, kLowerLegLBack, kLowerLegLFront},              // Lkne
      {kLowerLegLBack, kLowerLegLFront, kFootL},                                       // Lank
      kHead, kHead, kHead, kHead,                                                      // Leye, Reye, Lear, Rear
  };
  DPT_CHECK(joint >= 0 && joint < kCocoJoints, "coco_joint_parts: joint " << joint << " is not in 0..17");
  return kTable[joint];
}

Keypoints view_keypoints(const Person& person, const Pose& pose, const RenderOptions& opt) {
  Skeleton sk;
  const std::vector<Primitive> prims = build_body(person, pose, &sk);
  const Camera cam = view_camera(person, pose, opt);
  Keypoints kp;
  for (int j = 0; j < kCocoJoints; ++j) {
    const Vec3 p = sk.joint[j];
    const int row = static_cast<int>(std::floor(cam.floor_row - p.y * cam.scale));
    const int col = static_cast<int>(std::floor(cam.cx + p.x * cam.scale));
    // The ray through the pixel centre, as render_view casts it; the nearest body surface along it.
    const Vec3 origin{(col + 0.5f - cam.cx) / cam.scale, (cam.floor_row - (row + 0.5f)) / cam.scale, 0};
    float best = std::numeric_limits<float>::infinity();
    int part = 0;
    for (const Primitive& q : prims) {
      if (q.chart == Chart::None) continue;
      float t;
      Vec3 local;
      if (!intersect(q, origin, q.to_local * Vec3{0, 0, 1}, t, local) || !(t < best)) continue;
      best = t;
      part = surface_point(q, local).part;
    }
    const std::vector<int>& own = coco_joint_parts(j);
    const bool visible = std::find(own.begin(), own.end(), part) != own.end() && best >= p.z - sk.depth[j];
    kp.y[j] = visible ? row : kMissingJoint;
    kp.x[j] = visible ? col : kMissingJoint;
  }
  return kp;
}

}  // namespace dpt::synth
