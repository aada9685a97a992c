// Sample grid composition (see samples.h).
#include "train/samples.h"

#include <algorithm>

#include "core/autograd.h"
#include "io/image.h"
#include "ops/atlas.h"

namespace dpt {

void write_image_grid(const std::string& path, const std::vector<Tensor>& cols) {
  const int64_t n = cols[0].size(0);
  const int H = static_cast<int>(cols[0].size(2)), W = static_cast<int>(cols[0].size(3)), pad = 2;
  const int ncols = static_cast<int>(cols.size());
  Image8 grid;
  grid.height = static_cast<int>(n) * (H + pad) + pad;
  grid.width = ncols * (W + pad) + pad;
  grid.channels = 3;
  grid.pixels.assign(static_cast<size_t>(grid.height) * grid.width * 3, 255);
  for (int64_t r = 0; r < n; ++r)
    for (int c = 0; c < ncols; ++c) {
      Image8 tile = tensor_to_image(cols[static_cast<size_t>(c)].select(0, r));
      const int y0 = pad + static_cast<int>(r) * (H + pad), x0 = pad + c * (W + pad);
      for (int y = 0; y < H; ++y)
        std::copy_n(&tile.pixels[static_cast<size_t>(y) * W * 3], W * 3,
                    &grid.pixels[(static_cast<size_t>(y0 + y) * grid.width + x0) * 3]);
    }
  write_png(path, grid);
}

void write_sample_grid(const std::string& path, const DensePoseTransfer& model, const PairBatch& batch, int rows) {
  NoGradGuard ng;
  const int64_t n = std::min<int64_t>(rows, batch.x_s.size(0));
  PairBatch b{batch.x_s.slice(0, 0, n), batch.iuv_s.slice(0, 0, n), batch.iuv_t.slice(0, 0, n), batch.y.slice(0, 0, n)};
  GeneratorOutputs g = model.generator_forward(b.x_s, b.iuv_s, b.iuv_t);
  // The 3-channel IUV encoding is a viewable picture of the pose (part index, U, V as colours).
  Tensor pose = encode_iuv(b.iuv_t, false);
  write_image_grid(path, {b.x_s, pose, g.y_p, g.y_w, g.y_hat, b.y});
}

}  // namespace dpt
