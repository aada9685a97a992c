// The articulated synthetic body: turns a Person and a Pose into world-space primitives, one or two
// DensePose parts each (parts.h), plus the off-surface loose hair and skirt when the person has them.
#pragma once
#include <vector>

#include "synth/person.h"
#include "synth/pose.h"
#include "synth/primitive.h"

namespace dpt::synth {

// World frame (metres): X to the image's right, Y up, Z away from the camera; the soles are near Y = 0
// and the pelvis is above X = Z = 0. The body frame (person's left, up, forward) is turned by pose.yaw.
std::vector<Primitive> build_body(const Person& person, const Pose& pose);

}  // namespace dpt::synth
