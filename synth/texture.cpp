// Procedural atlas painting (make_atlas) and its bilinear lookup (atlas_sample), see texture.h.
// Garments repeat an integer number of times per half so that front and back halves meet at the seams.
#include "synth/texture.h"

#include <algorithm>
#include <cmath>

#include "synth/parts.h"
#include "synth/random.h"

namespace dpt::synth {

namespace {

float clamp01(float x) { return std::min(1.0f, std::max(0.0f, x)); }
Rgb mix(Rgb a, Rgb b, float t) { return a * (1 - t) + b * t; }
// Coverage of a shape given the signed distance d to its edge (positive inside) and the texel size w.
float cover(float d, float w) { return clamp01(0.5f + d / w); }
// Soft square wave in [0, 1]: 1 on the first `duty` of each period of x.
float square(float x, float duty, float w) {
  const float f = x - std::floor(x);
  return cover(std::min(f, duty - f), w) + cover(f - 1, w);  // second term: the wrap-around edge
}

}  // namespace

Rgb garment_colour(const Garment& g, float cu, float cv, float w) {
  const float n = static_cast<float>(g.cells);
  switch (g.pattern) {
    case Pattern::Solid: return g.base;
    case Pattern::Stripes: return mix(g.base, g.accent, square(cv * n, g.duty, w * n));
    case Pattern::Checks: {
      const float a = square(cu * n, 0.5f, w * n), b = square(cv * n, 0.5f, w * n);
      return mix(g.base, g.accent, a * (1 - b) + b * (1 - a));
    }
    case Pattern::Dots:
    case Pattern::Diamonds: {
      const float x = cu * n * 2, y = cv * n * 2;
      const float i = std::floor(x), j = std::floor(y);
      const uint64_t cell = static_cast<uint64_t>(static_cast<int64_t>(i) * 7919 + static_cast<int64_t>(j) + 100000);
      const float jx = 0.5f + 0.2f * (static_cast<float>(rng_uniform(g.seed, 2 * cell)) - 0.5f);
      const float jy = 0.5f + 0.2f * (static_cast<float>(rng_uniform(g.seed, 2 * cell + 1)) - 0.5f);
      const float dx = x - i - jx, dy = y - j - jy;
      const float r = 0.35f * g.duty + 0.1f;
      const float d = g.pattern == Pattern::Dots ? r - std::sqrt(dx * dx + dy * dy) : r - std::fabs(dx) - std::fabs(dy);
      return mix(g.base, g.accent, cover(d, w * n * 2));
    }
  }
  return g.base;
}

namespace {

// Soft ellipse of radii (rx, ry) around (cx, cy).
float blob(float x, float y, float cx, float cy, float rx, float ry, float w) {
  const float dx = (x - cx) / rx, dy = (y - cy) / ry;
  return cover((1 - std::sqrt(dx * dx + dy * dy)) * std::min(rx, ry), w);
}

Rgb head_colour(const Look& l, int part, float u, float v, float w) {
  const float a = part == kHeadL ? u : 1 - u;  // 0 at the face's midline, 1 at the back's midline
  Rgb c = l.skin;
  c = mix(c, l.skin * 0.88f, blob(a, v, 0.0f, 0.46f, 0.03f, 0.06f, w));         // nose shadow
  c = mix(c, l.skin * 0.8f, blob(a, v, 0.5f, 0.5f, 0.05f, 0.08f, w));           // ear
  c = mix(c, l.lips, blob(a, v, 0.0f, 0.33f, 0.08f, 0.025f, w));                // mouth
  c = mix(c, Rgb{0.97f, 0.97f, 0.97f}, blob(a, v, 0.11f, 0.56f, 0.045f, 0.028f, w));  // eye white
  c = mix(c, l.eyes, blob(a, v, 0.11f, 0.56f, 0.022f, 0.022f, w));              // iris
  c = mix(c, l.hair * 0.8f, blob(a, v, 0.11f, 0.63f, 0.06f, 0.013f, w));        // eyebrow
  // Hair above a hairline that drops from the forehead to the nape.
  const float t = clamp01((a - 0.35f) / 0.25f);
  const float line = l.hairline + (l.hair_back - l.hairline) * t * t * (3 - 2 * t);
  const float strands = 0.92f + 0.08f * std::sin(a * 90.0f);
  return mix(c, l.hair * strands, cover(v - line, w));
}

Rgb part_colour(const Look& l, int part, float u, float v, float w) {
  switch (region_of(part)) {
    case Region::Torso: {
      Rgb c = garment_colour(l.top, u, v * 1.5f, w);
      c = mix(c, garment_colour(l.bottom, u, v, w), cover(0.14f - v, w));  // waistband of the bottom garment
      const float du = (u - 0.5f) * 1.6f, dv = (1 - v) * 1.0f;        // neckline, deeper at the front
      const float depth = part == kTorsoFront ? 0.1f : 0.04f;
      return mix(c, l.skin, cover(depth - std::sqrt(du * du * 0.25f + dv * dv), w));
    }
    case Region::UpperArm: {
      const float edge = l.sleeves == Sleeves::None ? 2.0f : l.sleeves == Sleeves::Short ? 0.55f : -1.0f;
      return mix(l.skin, garment_colour(l.top, u, v * 1.2f, w), cover(v - edge, w));
    }
    case Region::LowerArm:
      return l.sleeves == Sleeves::Long ? garment_colour(l.top, u, v, w) : l.skin;
    case Region::Hand:
      return mix(l.skin, l.skin * 1.06f, cover(0.2f - std::fabs(u - 0.5f), w));  // lighter palm
    case Region::UpperLeg: {
      const float edge = l.legwear == Legwear::Shorts ? 0.5f : -1.0f;
      return mix(l.skin, garment_colour(l.bottom, u, v, w), cover(v - edge, w));
    }
    case Region::LowerLeg: {
      const float edge = l.legwear == Legwear::Long ? -1.0f : l.legwear == Legwear::Knee ? 0.65f : 2.0f;
      return mix(l.skin, garment_colour(l.bottom, u, v, w), cover(v - edge, w));
    }
    case Region::Foot: {
      const Rgb c = mix(l.shoes, l.shoes * 1.5f, cover(0.05f - std::fabs(u - 0.5f), w));  // laces
      return mix(c, l.shoes * 0.35f, cover(std::fabs(u - 0.5f) - 0.36f, w));              // sole
    }
    case Region::Head: return head_colour(l, part, u, v, w);
  }
  return l.skin;
}

// Round half up; x >= 0 after the clamp, so the cast truncates a positive value (lround is slow here).
uint8_t to_byte(float x) { return static_cast<uint8_t>(clamp01(x) * 255.0f + 0.5f); }

}  // namespace

Image8 make_atlas(const Look& look, int S) {
  Image8 img;
  img.height = 6 * S;
  img.width = 4 * S;
  img.channels = 3;
  img.pixels.assign(static_cast<size_t>(img.height) * img.width * 3, 0);
  const float w = 1.0f / static_cast<float>(S - 1);
  for (int p = 1; p <= kPartCount; ++p) {
    const int col0 = ((p - 1) / 6) * S, row0 = ((p - 1) % 6) * S;
    for (int r = 0; r < S; ++r) {
      for (int c = 0; c < S; ++c) {
        const Rgb rgb = part_colour(look, p, c * w, 1 - r * w, w);
        uint8_t* px = &img.pixels[(static_cast<size_t>(row0 + r) * img.width + col0 + c) * 3];
        px[0] = to_byte(rgb.x);
        px[1] = to_byte(rgb.y);
        px[2] = to_byte(rgb.z);
      }
    }
  }
  return img;
}

void atlas_sample(const Image8& atlas, int S, int part, float u, float v, float out[3]) {
  const float x = clamp01(u) * static_cast<float>(S - 1), y = (1 - clamp01(v)) * static_cast<float>(S - 1);
  const int x0 = std::min(static_cast<int>(x), S - 1), y0 = std::min(static_cast<int>(y), S - 1);
  const int x1 = std::min(x0 + 1, S - 1), y1 = std::min(y0 + 1, S - 1);
  const float fx = x - static_cast<float>(x0), fy = y - static_cast<float>(y0);
  const int col0 = ((part - 1) / 6) * S, row0 = ((part - 1) % 6) * S;
  auto at = [&](int yy, int xx, int ch) {
    return static_cast<float>(atlas.pixels[(static_cast<size_t>(row0 + yy) * atlas.width + col0 + xx) * 3 + ch]);
  };
  for (int ch = 0; ch < 3; ++ch) {
    const float top = at(y0, x0, ch) * (1 - fx) + at(y0, x1, ch) * fx;
    const float bot = at(y1, x0, ch) * (1 - fx) + at(y1, x1, ch) * fx;
    out[ch] = top * (1 - fy) + bot * fy;
  }
}

}  // namespace dpt::synth
