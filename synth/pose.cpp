// Samples joint angles and framing per view (make_pose in pose.h) from the view's own random stream.
// Ranges are deliberately modest: standing fashion-photo poses, not acrobatics.
#include "synth/pose.h"

#include "synth/random.h"

namespace dpt::synth {

namespace {
constexpr float kDeg = 3.14159265f / 180.0f;
}

Pose make_pose(uint64_t person_seed, int view) {
  Rand r(stream_seed(person_seed, 1000 + static_cast<uint64_t>(view)));
  Pose p;
  const float k = r.uniform();
  p.kind = view == 0 ? ViewKind::Front : k < 0.4f ? ViewKind::Front : k < 0.7f ? ViewKind::Side : ViewKind::Back;
  const float side = r.chance(0.5f) ? 1.0f : -1.0f;
  switch (p.kind) {
    case ViewKind::Front: p.yaw = r.uniform(-25, 25) * kDeg; break;
    case ViewKind::Back: p.yaw = (180 + r.uniform(-25, 25)) * kDeg; break;
    case ViewKind::Side: p.yaw = side * r.uniform(65, 105) * kDeg; break;
  }
  p.lean = r.uniform(-4, 6) * kDeg;
  p.twist = r.uniform(-10, 10) * kDeg;
  p.head_yaw = r.uniform(-25, 25) * kDeg;
  p.head_pitch = r.uniform(-10, 10) * kDeg;

  const bool walking = r.chance(0.35f);
  for (int s = 0; s < 2; ++s) {
    ArmPose& a = p.arm[s];
    a.abduct = r.uniform(4, 35) * kDeg;
    a.flex = r.uniform(-20, 35) * kDeg;
    a.elbow = r.uniform(0, 60) * kDeg;
    if (r.chance(0.15f)) {  // arm held out with the forearm raised forward
      a.abduct = r.uniform(35, 50) * kDeg;
      a.flex = r.uniform(-15, 0) * kDeg;
      a.elbow = r.uniform(80, 110) * kDeg;
    }
    LegPose& l = p.leg[s];
    l.abduct = r.uniform(0, 10) * kDeg;
    l.flex = r.uniform(-5, 10) * kDeg;
    l.knee = r.uniform(0, 12) * kDeg;
  }
  if (walking) {  // one leg forward, the other back, arms swinging opposite
    const float stride = r.uniform(12, 28) * kDeg;
    const int front = r.below(2);
    p.leg[front].flex = stride;
    p.leg[front].knee = r.uniform(5, 25) * kDeg;
    p.leg[1 - front].flex = -stride * 0.6f;
    p.leg[1 - front].knee = r.uniform(10, 35) * kDeg;
    p.arm[front].flex = -stride * 0.8f;
    p.arm[1 - front].flex = stride * 0.8f;
  }
  p.scale = r.uniform(0.9f, 1.0f);
  p.dx = r.uniform(-0.04f, 0.04f);
  p.dy = r.uniform(-0.02f, 0.02f);
  return p;
}

}  // namespace dpt::synth
