// Per-view pose and camera framing of a person: joint angles within human ranges, the viewing direction
// (front, back or side, as in DeepFashion) and a small scale / position jitter.
#pragma once
#include <cstdint>

namespace dpt::synth {

struct ArmPose { float abduct = 0, flex = 0, elbow = 0; };  // radians; abduct: away from the body
struct LegPose { float abduct = 0, flex = 0, knee = 0; };   // flex: thigh forward; knee bends back

enum class ViewKind { Front, Back, Side };

struct Pose {
  ViewKind kind = ViewKind::Front;
  float yaw = 0;  // about the vertical: 0 faces the camera, pi shows the back, +pi/2 the left side
  float lean = 0, twist = 0;                // torso: forward lean and twist about the spine
  float head_yaw = 0, head_pitch = 0;
  ArmPose arm[2];  // [0] right, [1] left (the person's own sides)
  LegPose leg[2];
  float scale = 1;         // multiplies the fit-to-frame scale
  float dx = 0, dy = 0;    // shift as a fraction of the image width / height
};

// View k of a person: view 0 is always a front view; the others are drawn front / side / back.
Pose make_pose(uint64_t person_seed, int view);

}  // namespace dpt::synth
