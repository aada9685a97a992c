// The articulated synthetic body: turns a Person and a Pose into world-space primitives, one or two
// DensePose parts each (parts.h), plus the off-surface loose hair and skirt when the person has them.
#pragma once
#include <array>
#include <vector>

#include "synth/person.h"
#include "synth/pose.h"
#include "synth/primitive.h"

namespace dpt::synth {

// The COCO-18 joints of the skeleton in world coordinates (order of io/keypoints.h: nose, neck, Rsho,
// Relb, Rwri, Lsho, Lelb, Lwri, Rhip, Rkne, Rank, Lhip, Lkne, Lank, Leye, Reye, Lear, Rear), and how deep
// below the body surface each lies (the depth tolerance of the visibility test in synth/keypoints.h):
// limb joints are bone centres (about one limb radius inside), face points sit just under the head's
// surface, the neck is the midpoint of the shoulders as in OpenPose.
struct Skeleton {
  std::array<Vec3, 18> joint;
  std::array<float, 18> depth;
};

// World frame (metres): X to the image's right, Y up, Z away from the camera; the soles are near Y = 0
// and the pelvis is above X = Z = 0. The body frame (person's left, up, forward) is turned by pose.yaw.
// With `skeleton`, also the COCO-18 joints in the same frame.
std::vector<Primitive> build_body(const Person& person, const Pose& pose, Skeleton* skeleton = nullptr);

}  // namespace dpt::synth
