// COCO-18 keypoints of a synthetic view, in the PATN convention SCA-GAN reads (io/keypoints.h), so that
// both systems train and are compared on the same synthetic people. Note [Synth keypoints].
#pragma once
#include <vector>

#include "io/keypoints.h"
#include "synth/person.h"
#include "synth/pose.h"
#include "synth/render.h"

namespace dpt::synth {

// Note [Synth keypoints]
// Joint j of the skeleton (synth/body.h) projects to pixel (row, col) = (floor(floor_row - Y scale),
// floor(cx + X scale)) of the view's camera. docs/sca.md section 1 says what the CSV values mean: -1 in either
// coordinate is missing, any other value outside the frame is a real joint outside the image. So:
//  - a joint outside the frame keeps its coordinates (PATN keeps the joints its crop cuts off), and a
//    coordinate that lands exactly on -1 reads as missing, as the PATN trap does (docs/sca.md keeps it);
//  - a hidden joint is missing (-1, -1), as OpenPose leaves out what it cannot see (the annotations were
//    detected, not labelled): the ray through the joint's pixel centre must first meet the body (loose
//    hair and skirts do not count, as DensePose sees through them) on one of the joint's own DensePose
//    parts (coco_joint_parts), at most Skeleton::depth in front of the joint. A back view thus loses the
//    nose and eyes, a side view the far eye, ear and the limbs behind the torso.
// The rule uses the renderer's own ray casting, so a visible joint inside the frame lies on one of its
// parts in the IUV map (checked by tests/test_synth.cpp).
Keypoints view_keypoints(const Person& person, const Pose& pose, const RenderOptions& opt);

// The DensePose parts (1..24) a COCO-18 joint lies on: the face points on the head, the neck on the
// torso or head, limb joints on the segments they join.
const std::vector<int>& coco_joint_parts(int joint);

}  // namespace dpt::synth
