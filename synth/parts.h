// The 24 DensePose part indices as the synthetic body uses them, and how (u, v) runs on each part.
// See Note [Synth part convention]; the atlas layout itself is docs/dpt.md section 2.
#pragma once

namespace dpt::synth {

// Note [Synth part convention]
// Indices follow DensePose (1-based, 0 = background); "right"/"left" are the person's own sides:
//   1 torso back, 2 torso front, 3 right hand, 4 left hand, 5 left foot, 6 right foot,
//   7/9 right upper leg back/front, 8/10 left upper leg back/front,
//   11/13 right lower leg back/front, 12/14 left lower leg back/front,
//   15/17 left upper arm inner/outer, 16/18 right upper arm inner/outer,
//   19/21 left lower arm inner/outer, 20/22 right lower arm inner/outer, 23 head right, 24 head left.
// As in DensePose, legs split front/back (anterior/posterior) but arms split inner/outer (the half that
// faces the torso when the arm hangs vs the lateral half). Our charts (DensePose's own are SMPL charts):
// - limbs and torso: v runs along the bone, v = 1 at the proximal end (shoulder, hip, neck) and 0 at the
//   distal end, so an atlas tile shows the part upright; u runs across the half, 0 -> 1 left-to-right
//   as seen when looking at that half from outside with the person upright (tiles are not mirrored).
// - hands and feet (one part each): v along the long axis (1 = wrist / heel), u once around it.
// - head: split at the mid-sagittal plane; v = 1 at the crown, 0 under the chin; u runs from the back
//   of the head to the face on the right half (23) and from the face to the back on the left half (24),
//   both left-to-right as seen from that side.
enum Part : int {
  kTorsoBack = 1, kTorsoFront = 2, kHandR = 3, kHandL = 4, kFootL = 5, kFootR = 6,
  kUpperLegRBack = 7, kUpperLegLBack = 8, kUpperLegRFront = 9, kUpperLegLFront = 10,
  kLowerLegRBack = 11, kLowerLegLBack = 12, kLowerLegRFront = 13, kLowerLegLFront = 14,
  kUpperArmLInner = 15, kUpperArmRInner = 16, kUpperArmLOuter = 17, kUpperArmROuter = 18,
  kLowerArmLInner = 19, kLowerArmRInner = 20, kLowerArmLOuter = 21, kLowerArmROuter = 22,
  kHeadR = 23, kHeadL = 24,
};
constexpr int kPartCount = 24;

// What a part is made of, for the procedural textures.
enum class Region { Torso, UpperArm, LowerArm, Hand, UpperLeg, LowerLeg, Foot, Head };
inline Region region_of(int part) {
  if (part <= 2) return Region::Torso;
  if (part <= 4) return Region::Hand;
  if (part <= 6) return Region::Foot;
  if (part <= 10) return Region::UpperLeg;
  if (part <= 14) return Region::LowerLeg;
  if (part <= 18) return Region::UpperArm;
  if (part <= 22) return Region::LowerArm;
  return Region::Head;
}

}  // namespace dpt::synth
