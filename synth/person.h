// A synthetic person: body proportions and clothing, drawn once per person from its own random stream.
// The same Person is rendered in every view; its atlas (texture.h) is the ground truth for inpainting.
#pragma once
#include <cstdint>

#include "synth/vec.h"

namespace dpt::synth {

using Rgb = Vec3;  // display colour, channels in 0..1

enum class Pattern { Solid, Stripes, Checks, Dots, Diamonds };

struct Garment {
  Rgb base, accent;
  Pattern pattern = Pattern::Solid;
  int cells = 4;      // pattern repeats per half-circumference (integer, so front/back halves meet)
  float duty = 0.5f;  // share of the accent colour in stripes / dot radius
  uint64_t seed = 0;  // print placement
};

enum class Sleeves { None, Short, Long };
enum class Legwear { Shorts, Knee, Long, Skirt };

struct Look {
  Rgb skin, hair, eyes, lips, shoes, background;
  Garment top, bottom;
  Sleeves sleeves = Sleeves::Short;
  Legwear legwear = Legwear::Long;
  float hairline = 0.8f;   // head v above which the head is hair (front); lower at the back
  float hair_back = 0.45f; // head v above which the back of the head is hair
  bool loose_hair = false;   // long hair drawn in the image, not on the body surface
  bool loose_skirt = false;  // a flared skirt drawn in the image, not on the body surface
};

// Body proportions in metres; joints are derived from these in body.cpp.
struct BodyShape {
  float height = 1.7f;
  float build = 1.0f;  // thickness factor of torso and limbs
  float shoulder = 0.22f, hip = 0.09f;  // half widths between joints
  float torso_rx = 0.16f, torso_rz = 0.11f;
  float upper_arm_r = 0.05f, lower_arm_r = 0.04f, upper_leg_r = 0.08f, lower_leg_r = 0.06f;
  float head_rx = 0.09f, head_ry = 0.115f, head_rz = 0.1f;
};

struct Person {
  int id = 0;
  uint64_t seed = 0;  // the person's stream (stream_seed(dataset seed, id)); views derive from it
  BodyShape shape;
  Look look;
};

// hair_skirt in [0, 1]: probability that a person wears loose long hair, and (separately) a loose skirt.
Person make_person(uint64_t dataset_seed, int id, float hair_skirt);

}  // namespace dpt::synth
