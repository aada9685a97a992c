// Draws a person's proportions and clothing from its random stream (make_person in person.h).
// Palettes are hand-picked so that skin, hair and garments stay plausible and distinguishable.
#include "synth/person.h"

#include <algorithm>

#include "synth/random.h"

namespace dpt::synth {

namespace {

Rgb rgb(int r, int g, int b) { return {r / 255.0f, g / 255.0f, b / 255.0f}; }

const Rgb kSkin[] = {rgb(255, 224, 196), rgb(241, 194, 158), rgb(224, 172, 135), rgb(198, 134, 96),
                     rgb(161, 102, 70),  rgb(120, 75, 50),   rgb(90, 56, 38)};
const Rgb kHair[] = {rgb(25, 20, 18),   rgb(60, 40, 28),   rgb(105, 70, 40), rgb(170, 130, 80),
                     rgb(220, 190, 130), rgb(150, 60, 30), rgb(170, 170, 170)};
const Rgb kCloth[] = {rgb(200, 30, 40),  rgb(30, 60, 160),  rgb(20, 120, 70), rgb(240, 200, 40),
                      rgb(250, 250, 245), rgb(25, 25, 30),  rgb(120, 120, 125), rgb(230, 110, 30),
                      rgb(120, 40, 140), rgb(90, 160, 210), rgb(240, 150, 170), rgb(110, 80, 50),
                      rgb(60, 90, 60),   rgb(180, 160, 120), rgb(30, 40, 80),  rgb(200, 80, 110)};

template <size_t N>
Rgb pick(const Rgb (&palette)[N], Rand& r) { return palette[r.below(static_cast<int>(N))]; }

Rgb jitter(Rgb c, Rand& r, float amount) {
  auto j = [&](float x) { return std::clamp(x + r.uniform(-amount, amount), 0.0f, 1.0f); };
  return {j(c.x), j(c.y), j(c.z)};
}

Garment make_garment(Rand& r) {
  Garment g;
  g.base = jitter(pick(kCloth, r), r, 0.05f);
  do {
    g.accent = jitter(pick(kCloth, r), r, 0.05f);
  } while (norm(g.accent - g.base) < 0.35f);  // a pattern must be visible
  const float u = r.uniform();
  g.pattern = u < 0.3f ? Pattern::Solid : u < 0.55f ? Pattern::Stripes : u < 0.75f ? Pattern::Checks
            : u < 0.9f ? Pattern::Dots : Pattern::Diamonds;
  g.cells = 2 + r.below(5);
  g.duty = r.uniform(0.3f, 0.6f);
  g.seed = r.bits();
  return g;
}

}  // namespace

Person make_person(uint64_t dataset_seed, int id, float hair_skirt) {
  Person p;
  p.id = id;
  p.seed = stream_seed(dataset_seed, static_cast<uint64_t>(id));
  Rand r(p.seed);

  BodyShape& s = p.shape;
  const bool broad = r.chance(0.5f);  // shoulders vs hips: a crude masculine / feminine build axis
  s.height = r.uniform(1.55f, 1.9f);
  s.build = r.uniform(0.85f, 1.2f);
  const float h = s.height, b = s.build;
  s.hip = h * (broad ? 0.05f : 0.058f);
  s.torso_rx = h * (broad ? 0.095f : 0.088f) * b;
  s.torso_rz = h * 0.062f * b;
  s.upper_arm_r = h * 0.028f * b;
  // The shoulder joint sits just inside the torso's flank, so the arm grows out of it without a gap.
  s.shoulder = s.torso_rx + s.upper_arm_r * (broad ? r.uniform(0.3f, 0.7f) : r.uniform(0.1f, 0.4f));
  s.lower_arm_r = h * 0.023f * b;
  s.upper_leg_r = h * (broad ? 0.045f : 0.05f) * b;
  s.lower_leg_r = h * 0.034f * b;
  const float head = r.uniform(0.95f, 1.08f);
  s.head_rx = h * 0.052f * head;
  s.head_ry = h * 0.068f * head;
  s.head_rz = h * 0.06f * head;

  Look& l = p.look;
  l.skin = jitter(pick(kSkin, r), r, 0.03f);
  l.hair = jitter(pick(kHair, r), r, 0.03f);
  l.eyes = rgb(40, 30, 25);
  l.lips = l.skin * 0.75f + rgb(160, 40, 50) * 0.25f;
  l.shoes = jitter(pick(kCloth, r), r, 0.05f) * 0.6f;
  const float bg = r.uniform(0.86f, 0.97f);
  l.background = jitter({bg, bg, bg}, r, 0.025f);
  l.top = make_garment(r);
  l.bottom = make_garment(r);
  const float sl = r.uniform();
  l.sleeves = sl < 0.25f ? Sleeves::None : sl < 0.6f ? Sleeves::Short : Sleeves::Long;
  const float lw = r.uniform();
  l.legwear = lw < 0.2f ? Legwear::Shorts : lw < 0.35f ? Legwear::Knee : lw < 0.8f ? Legwear::Long
            : Legwear::Skirt;
  l.hairline = r.uniform(0.72f, 0.86f);
  l.hair_back = r.uniform(0.3f, 0.55f);
  // Separate draws, so that the knob only switches features on and never reshuffles the rest.
  const float loose_hair = r.uniform(), loose_skirt = r.uniform();
  l.loose_hair = loose_hair < hair_skirt;
  l.loose_skirt = loose_skirt < hair_skirt && !broad;
  if (l.loose_skirt) l.legwear = Legwear::Shorts;  // bare legs under the skirt, shorts-like hidden part
  return p;
}

}  // namespace dpt::synth
