// Image8 <-> [3,H,W] tensors in [-1, 1], the network's image convention (docs/dpt.md, conventions).
// x = byte / 127.5 - 1 is computed in double and rounded once, matching the golden png_cases `x`.
#include <cmath>

#include "core/error.h"
#include "io/image.h"

namespace dpt {

Tensor image_to_tensor(const Image8& img) {
  DPT_CHECK(img.channels == 3, "image_to_tensor: needs an RGB image (3 channels), got " << img.channels);
  DPT_CHECK(img.pixels.size() == size_t(img.height) * img.width * 3,
            "image_to_tensor: " << img.pixels.size() << " bytes for a " << img.height << "x" << img.width << " image");
  const int64_t H = img.height, W = img.width, plane = H * W;
  Tensor t = Tensor::empty({3, H, W}, DType::F32);
  float* out = t.data<float>();  // out is (3, H, W); pixels are (H, W, 3)
  for (int64_t p = 0; p < plane; ++p)
    for (int64_t c = 0; c < 3; ++c) out[c * plane + p] = static_cast<float>(img.pixels[p * 3 + c] / 127.5 - 1.0);
  return t;
}

Image8 tensor_to_image(const Tensor& chw) {
  Tensor t = chw.dim() == 4 && chw.size(0) == 1 ? chw.select(0, 0) : chw;
  DPT_CHECK(t.dim() == 3 && t.size(0) == 3,
            "tensor_to_image: needs [3, H, W] (or [1, 3, H, W]), got " << chw.shape_str());
  const int64_t H = t.size(1), W = t.size(2), plane = H * W;
  const std::vector<double> v = t.detach().to_vector();  // any device, dtype or strides -> row-major doubles
  Image8 img;
  img.height = static_cast<int>(H);
  img.width = static_cast<int>(W);
  img.channels = 3;
  img.pixels.resize(static_cast<size_t>(plane) * 3);
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t p = 0; p < plane; ++p) {
      const double y = v[c * plane + p];
      DPT_CHECK(!std::isnan(y),
                "tensor_to_image: NaN at channel " << c << ", pixel (" << p / W << ", " << p % W << ")");
      const double clamped = y < -1.0 ? -1.0 : (y > 1.0 ? 1.0 : y);
      img.pixels[p * 3 + c] = static_cast<uint8_t>(std::nearbyint((clamped + 1.0) * 127.5));
    }
  return img;
}

}  // namespace dpt
