// Z-buffered ray casting of the body primitives and per-pixel shading (render_view in render.h).
// Two depth buffers: the nearest surface of any kind (colour) and the nearest body surface (IUV).
#include "synth/render.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "synth/body.h"
#include "synth/seam_noise.h"
#include "synth/texture.h"

namespace dpt::synth {

namespace {

constexpr float kPi = 3.14159265358979f;

struct Hit {
  float t = std::numeric_limits<float>::infinity();
  int prim = -1;
  Vec3 q;
};

uint8_t byte_of(float x) { return static_cast<uint8_t>(std::min(255.0f, std::max(0.0f, x)) + 0.5f); }
// Truncation, as DensePose stores U and V (docs/dpt.md section 1).
uint8_t uv_byte(float u) { return static_cast<uint8_t>(std::min(255.0f, std::floor(u * 255.0f))); }

Rgb off_surface_colour(const Look& look, const Primitive& p, Vec3 q) {
  const float theta = std::atan2(q.x, q.z);
  if (p.material == Material::Hair) return look.hair * (0.9f + 0.1f * std::sin(theta * 40.0f));
  // Skirt: the bottom garment's pattern, around the cone and down from the waist.
  const float cu = (theta + kPi) / kPi, cv = 2.0f - 4.0f * q.y / std::max(1e-3f, p.cone_y1);
  return garment_colour(look.bottom, cu - std::floor(cu), cv, 0.01f);
}

}  // namespace

Camera view_camera(const Person& person, const Pose& pose, const RenderOptions& opt) {
  const float H = static_cast<float>(opt.height), W = static_cast<float>(opt.width);
  Camera cam;
  cam.scale = pose.scale * 0.88f * H / person.shape.height;
  cam.cx = 0.5f * W + pose.dx * W;
  cam.floor_row = 0.96f * H + pose.dy * H;
  return cam;
}

Frame render_view(const Person& person, const Image8& atlas, const Pose& pose, const RenderOptions& opt,
                  uint64_t view_seed) {
  const int H = opt.height, W = opt.width;
  const std::vector<Primitive> prims = build_body(person, pose);

  const Camera cam = view_camera(person, pose, opt);
  const float scale = cam.scale, cx = cam.cx, floor_row = cam.floor_row;

  std::vector<Hit> any(static_cast<size_t>(H) * W), body(static_cast<size_t>(H) * W);
  for (int i = 0; i < static_cast<int>(prims.size()); ++i) {
    const Primitive& p = prims[i];
    Vec3 lo, hi;
    bounds(p, lo, hi);
    const int c0 = std::max(0, static_cast<int>(std::floor(cx + lo.x * scale)));
    const int c1 = std::min(W - 1, static_cast<int>(std::ceil(cx + hi.x * scale)));
    const int r0 = std::max(0, static_cast<int>(std::floor(floor_row - hi.y * scale)));
    const int r1 = std::min(H - 1, static_cast<int>(std::ceil(floor_row - lo.y * scale)));
    const Vec3 dir = p.to_local * Vec3{0, 0, 1};
    const bool on_body = p.chart != Chart::None;
    for (int r = r0; r <= r1; ++r) {
      for (int c = c0; c <= c1; ++c) {
        const Vec3 origin{(c + 0.5f - cx) / scale, (floor_row - (r + 0.5f)) / scale, 0};
        float t;
        Vec3 q;
        if (!intersect(p, origin, dir, t, q)) continue;
        const size_t k = static_cast<size_t>(r) * W + c;
        if (t < any[k].t) any[k] = {t, i, q};
        if (on_body && t < body[k].t) body[k] = {t, i, q};
      }
    }
  }

  Frame f;
  f.height = H;
  f.width = W;
  f.rgb.resize(static_cast<size_t>(H) * W * 3);
  f.iuv.assign(static_cast<size_t>(H) * W * 3, 0);
  const Look& look = person.look;
  const Vec3 light = normalize(Vec3{-0.4f, 0.6f, -1.0f});  // toward the light: upper left, camera side
  for (size_t k = 0; k < any.size(); ++k) {
    uint8_t* rgb = &f.rgb[3 * k];
    SurfacePoint s;
    if (body[k].prim >= 0) {
      s = surface_point(prims[body[k].prim], body[k].q);
      f.iuv[3 * k] = static_cast<uint8_t>(s.part);
      f.iuv[3 * k + 1] = uv_byte(s.u);
      f.iuv[3 * k + 2] = uv_byte(s.v);
    }
    if (any[k].prim < 0) {
      rgb[0] = byte_of(look.background.x * 255);
      rgb[1] = byte_of(look.background.y * 255);
      rgb[2] = byte_of(look.background.z * 255);
      continue;
    }
    const Primitive& p = prims[any[k].prim];
    if (any[k].prim != body[k].prim) s = surface_point(p, any[k].q);  // hair or skirt in front
    Vec3 n = s.normal;
    if (n.z > 0) n = n * -1.0f;  // the visible side faces the camera (matters for the open skirt)
    const float shade = 1.0f - opt.shading * (1.0f - std::max(0.0f, dot(n, light)));
    float c[3];
    if (p.chart != Chart::None) {
      atlas_sample(atlas, opt.tile, f.iuv[3 * k], f.iuv[3 * k + 1] / 255.0f, f.iuv[3 * k + 2] / 255.0f, c);
    } else {
      const Rgb col = off_surface_colour(look, p, any[k].q) * 255.0f;
      c[0] = col.x, c[1] = col.y, c[2] = col.z;
    }
    for (int ch = 0; ch < 3; ++ch) rgb[ch] = byte_of(c[ch] * shade);
  }
  if (opt.seam_noise > 0) add_seam_noise(f.iuv, H, W, opt.seam_noise, view_seed);
  return f;
}

Image8 rgb_image(const Frame& f) { return Image8{f.height, f.width, 3, f.rgb}; }

Image8 iuv_image(const Frame& f) {
  Image8 img{f.height, f.width, 3, std::vector<uint8_t>(f.iuv.size())};
  for (size_t k = 0; k < f.iuv.size(); k += 3) {
    img.pixels[k] = f.iuv[k + 2];
    img.pixels[k + 1] = f.iuv[k + 1];
    img.pixels[k + 2] = f.iuv[k];
  }
  return img;
}

}  // namespace dpt::synth
