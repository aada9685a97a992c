// Contact sheet assembly (contact_sheet.h): cells are pasted into one RGB canvas with 2-pixel gutters;
// the atlas is resampled (nearest) to the row height.
#include "synth/contact_sheet.h"

#include <algorithm>

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

}  // namespace

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

Image8 make_contact_sheet(const DatasetOptions& opt, int persons, int views) {
  DatasetOptions o = opt;
  o.views = std::min(views, opt.views);
  views = o.views;
  const int H = opt.render.height, W = opt.render.width;
  const int atlas_w = H * 4 / 6;  // the atlas is 6S x 4S
  const int row_w = views * (2 * W + kGap) + atlas_w;
  Image8 sheet{persons * (H + kGap) + kGap, row_w + 2 * kGap, 3, {}};
  sheet.pixels.assign(static_cast<size_t>(sheet.height) * sheet.width * 3, 255);
  for (int p = 0; p < persons; ++p) {
    const PersonViews pv = render_person(o, p);
    const int row = kGap + p * (H + kGap);
    int col = kGap;
    for (int v = 0; v < views; ++v) {
      paste(sheet, rgb_image(pv.frames[v]), row, col, H, W);
      paste(sheet, iuv_visual(pv.frames[v]), row, col + W, H, W);
      col += 2 * W + kGap;
    }
    paste(sheet, pv.atlas, row, col, H, atlas_w);
  }
  return sheet;
}

}  // namespace dpt::synth
