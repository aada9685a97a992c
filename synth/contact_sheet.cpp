// Contact sheet assembly (contact_sheet.h): cells are pasted into one RGB canvas with 2-pixel gutters;
// the atlas is resampled (nearest) to the row height.
#include "synth/contact_sheet.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "io/sca_dataset.h"
#include "ops/heatmap.h"
#include "ops/xdog.h"

namespace dpt::synth {

namespace {

constexpr int kGap = 2;

// Pastes src into dst at (row, col), resampled (nearest) to out_h x out_w.
void paste(Image8& dst, const Image8& src, int row, int col, int out_h, int out_w) {
  for (int r = 0; r < out_h; ++r) {
    const int sr = r * src.height / out_h;
    for (int c = 0; c < out_w; ++c) {
      const int sc = c * src.width / out_w;
      std::copy_n(&src.pixels[(static_cast<size_t>(sr) * src.width + sc) * 3], 3,
                  &dst.pixels[(static_cast<size_t>(row + r) * dst.width + col + c) * 3]);
    }
  }
}

// One colour per COCO-18 joint (hues around the circle, OpenPose-like), and the limbs drawn between them.
void joint_colour(int j, uint8_t rgb[3]) {
  const double h = 6.0 * j / kCocoJoints, x = 1 - std::fabs(std::fmod(h, 2.0) - 1);
  double c[3] = {0, 0, 0};
  const int hi = static_cast<int>(h) % 6;
  static const int kOrder[6][3] = {{0, 1, 2}, {1, 0, 2}, {1, 2, 0}, {2, 1, 0}, {2, 0, 1}, {0, 2, 1}};
  c[kOrder[hi][0]] = 1, c[kOrder[hi][1]] = x, c[kOrder[hi][2]] = 0;
  for (int k = 0; k < 3; ++k) rgb[k] = static_cast<uint8_t>(std::lround(40 + 215 * c[k]));
}

const int kLimbs[][2] = {{1, 2}, {2, 3}, {3, 4}, {1, 5}, {5, 6}, {6, 7}, {1, 8}, {8, 9},   {9, 10},
                         {1, 11}, {11, 12}, {12, 13}, {1, 0}, {0, 14}, {0, 15}, {14, 16}, {15, 17}};

void put(Image8& img, int r, int c, const uint8_t rgb[3]) {
  if (r < 0 || c < 0 || r >= img.height || c >= img.width) return;
  std::copy_n(rgb, 3, &img.pixels[(static_cast<size_t>(r) * img.width + c) * 3]);
}

void line(Image8& img, int r0, int c0, int r1, int c1, const uint8_t rgb[3]) {
  const int n = std::max(std::abs(r1 - r0), std::abs(c1 - c0));
  for (int i = 0; i <= n; ++i) {
    const double t = n ? static_cast<double>(i) / n : 0.0;
    put(img, static_cast<int>(std::lround(r0 + t * (r1 - r0))), static_cast<int>(std::lround(c0 + t * (c1 - c0))), rgb);
  }
}

}  // namespace

Image8 heatmap_visual(const Frame& f, const Keypoints& kp, double sigma) {
  const int H = f.height, W = f.width;
  const Tensor hm = keypoint_heatmaps(keypoints_to_tensor({kp}), H, W, sigma);  // [1, 18, H, W]
  const float* m = hm.data<float>();
  Image8 img = rgb_image(f);
  for (int p = 0; p < H * W; ++p) {
    int best = 0;
    for (int j = 1; j < kCocoJoints; ++j)
      if (m[j * H * W + p] > m[best * H * W + p]) best = j;
    const double a = 0.85 * m[best * H * W + p];
    uint8_t col[3];
    joint_colour(best, col);
    for (int k = 0; k < 3; ++k) {
      uint8_t& v = img.pixels[static_cast<size_t>(p) * 3 + k];
      v = static_cast<uint8_t>(std::lround((1 - a) * (0.6 * v + 0.4 * 255) + a * col[k]));
    }
  }
  const uint8_t black[3] = {0, 0, 0};
  for (const auto& l : kLimbs)
    if (!kp.missing(l[0]) && !kp.missing(l[1])) line(img, kp.y[l[0]], kp.x[l[0]], kp.y[l[1]], kp.x[l[1]], black);
  for (int j = 0; j < kCocoJoints; ++j) {
    if (kp.missing(j)) continue;
    uint8_t col[3];
    joint_colour(j, col);
    for (int dr = -1; dr <= 1; ++dr)
      for (int dc = -1; dc <= 1; ++dc) put(img, kp.y[j] + dr, kp.x[j] + dc, dr == 0 && dc == 0 ? black : col);
  }
  return img;
}

Image8 edge_visual(const Frame& f) {
  const int H = f.height, W = f.width, P = H * W;
  Tensor rgb = Tensor::empty({1, 3, H, W});
  float* d = rgb.data<float>();
  for (int p = 0; p < P; ++p)
    for (int k = 0; k < 3; ++k) d[k * P + p] = f.rgb[static_cast<size_t>(p) * 3 + k];
  const Tensor e = xdog(rgb).edge;  // [1, 1, H, W] bytes, dark lines
  const float* eb = e.data<float>();
  Image8 img = rgb_image(f);
  const double ink[3] = {20, 20, 140};
  for (int p = 0; p < P; ++p) {
    const double a = 1.0 - eb[p] / 255.0;  // line strength
    for (int k = 0; k < 3; ++k) {
      uint8_t& v = img.pixels[static_cast<size_t>(p) * 3 + k];
      v = static_cast<uint8_t>(std::lround((1 - a) * (0.35 * v + 0.65 * 255) + a * ink[k]));
    }
  }
  return img;
}

Image8 iuv_visual(const Frame& f) {
  Image8 img{f.height, f.width, 3, std::vector<uint8_t>(f.iuv.size())};
  for (size_t k = 0; k < f.iuv.size(); k += 3) {
    const uint8_t I = f.iuv[k];
    img.pixels[k] = I ? f.iuv[k + 1] : 0;
    img.pixels[k + 1] = I ? f.iuv[k + 2] : 0;
    img.pixels[k + 2] = static_cast<uint8_t>(10 * I);
  }
  return img;
}

Image8 make_contact_sheet(const DatasetOptions& opt, int persons, int views, bool sca) {
  DatasetOptions o = opt;
  o.views = std::min(views, opt.views);
  views = o.views;
  const int H = opt.render.height, W = opt.render.width;
  const int atlas_w = H * 4 / 6;  // the atlas is 6S x 4S
  const int panels = sca ? 4 : 2;
  const double sigma = 12.0 * H / 256.0;
  const int row_w = views * (panels * W + kGap) + atlas_w;
  Image8 sheet{persons * (H + kGap) + kGap, row_w + 2 * kGap, 3, {}};
  sheet.pixels.assign(static_cast<size_t>(sheet.height) * sheet.width * 3, 255);
  for (int p = 0; p < persons; ++p) {
    const PersonViews pv = render_person(o, p);
    const int row = kGap + p * (H + kGap);
    int col = kGap;
    for (int v = 0; v < views; ++v) {
      paste(sheet, rgb_image(pv.frames[v]), row, col, H, W);
      paste(sheet, iuv_visual(pv.frames[v]), row, col + W, H, W);
      if (sca) {
        paste(sheet, heatmap_visual(pv.frames[v], pv.keypoints[v], sigma), row, col + 2 * W, H, W);
        paste(sheet, edge_visual(pv.frames[v]), row, col + 3 * W, H, W);
      }
      col += panels * W + kGap;
    }
    paste(sheet, pv.atlas, row, col, H, atlas_w);
  }
  return sheet;
}

}  // namespace dpt::synth
