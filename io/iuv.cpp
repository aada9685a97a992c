// DensePose IUV maps: channel-order resolution, decoding to (I, U, V) and writing back (see iuv.h).
// The arithmetic follows dpt_reference.iuv_from_rgb / iuv_to_rgb exactly.
#include "io/iuv.h"

#include <cmath>

#include "core/error.h"
#include "io/file_io.h"
#include "io/image_codecs.h"

namespace dpt {

IUVOrder parse_iuv_order(const std::string& s) {
  if (s == "bgr") return IUVOrder::BGR;
  if (s == "rgb") return IUVOrder::RGB;
  if (s == "auto") return IUVOrder::Auto;
  DPT_FAIL("unknown IUV channel order '" << s << "' (expected bgr, rgb or auto)");
}

const char* iuv_order_name(IUVOrder order) {
  return order == IUVOrder::BGR ? "bgr" : order == IUVOrder::RGB ? "rgb" : "auto";
}

namespace {

// Largest byte of channel c (0 = R, 2 = B).
int channel_max(const Image8& img, int c) {
  int m = 0;
  for (size_t i = size_t(c); i < img.pixels.size(); i += 3) m = img.pixels[i] > m ? img.pixels[i] : m;
  return m;
}

void check_rgb(const Image8& img, const std::string& name) {
  DPT_CHECK(img.channels == 3 && img.pixels.size() == size_t(img.height) * img.width * 3,
            name << ": an IUV map must be an RGB image, got " << img.channels << " channels");
}

}  // namespace

IUVOrder resolve_iuv_order(const Image8& rgb, IUVOrder order, const std::string& name) {
  if (order != IUVOrder::Auto) return order;
  check_rgb(rgb, name);
  const bool b_is_i = channel_max(rgb, 2) <= kNumParts, r_is_i = channel_max(rgb, 0) <= kNumParts;
  DPT_CHECK(b_is_i != r_is_i, name << ": IUV channel order is ambiguous: "
                                   << (b_is_i ? "both R and B hold only values <= 24"
                                              : "neither R nor B holds only values <= 24 (not an IUV map?)")
                                   << "; pass the order explicitly (bgr or rgb)");
  return b_is_i ? IUVOrder::BGR : IUVOrder::RGB;
}

Tensor iuv_from_image(const Image8& rgb, IUVOrder order, const std::string& name) {
  check_rgb(rgb, name);
  order = resolve_iuv_order(rgb, order, name);
  const int ci = order == IUVOrder::BGR ? 2 : 0, cv = order == IUVOrder::BGR ? 0 : 2;
  const int64_t H = rgb.height, W = rgb.width, plane = H * W;
  Tensor t = Tensor::empty({3, H, W}, DType::F32);
  float* out = t.data<float>();  // out is (3, H, W) = (I, U, V) planes
  for (int64_t p = 0; p < plane; ++p) {
    const uint8_t* px = &rgb.pixels[size_t(p) * 3];
    DPT_CHECK(px[ci] <= kNumParts, name << ": not a DensePose IUV map (or wrong channel order): part index "
                                        << int(px[ci]) << " > 24 at pixel (" << p / W << ", " << p % W
                                        << ") with channel order " << iuv_order_name(order));
    out[p] = px[ci];
    out[plane + p] = static_cast<float>(px[1] / 255.0);  // the float32 nearest to byte/255
    out[2 * plane + p] = static_cast<float>(px[cv] / 255.0);
  }
  return t;
}

Tensor read_iuv(const std::string& path, IUVOrder order) {
  const std::vector<uint8_t> bytes = read_file_bytes(path, uint64_t(512) << 20);
  DPT_CHECK(!codec::is_jpeg(bytes.data(), bytes.size()),
            path << ": IUV maps must be PNG; this is a JPEG, whose lossy compression corrupts the part indices");
  return iuv_from_image(decode_image(bytes.data(), bytes.size(), path), order, path);
}

Image8 iuv_to_image(const Tensor& iuv, IUVOrder order, const std::string& name) {
  DPT_CHECK(order != IUVOrder::Auto, name << ": writing an IUV map needs an explicit order (bgr or rgb)");
  Tensor t = iuv.dim() == 4 && iuv.size(0) == 1 ? iuv.select(0, 0) : iuv;
  DPT_CHECK(t.dim() == 3 && t.size(0) == 3, name << ": IUV tensor must be [3, H, W], got " << iuv.shape_str());
  const int64_t H = t.size(1), W = t.size(2), plane = H * W;
  check_image_size(name, H, W);
  const std::vector<double> v = t.detach().to_vector();
  const int ci = order == IUVOrder::BGR ? 2 : 0, cv = order == IUVOrder::BGR ? 0 : 2;
  Image8 img;
  img.height = static_cast<int>(H);
  img.width = static_cast<int>(W);
  img.channels = 3;
  img.pixels.resize(size_t(plane) * 3);
  auto trunc_byte = [](double x) {  // DensePose truncates U*255, V*255
    const double b = std::floor(x * 255.0 + 1e-4);
    return static_cast<uint8_t>(b < 0 ? 0 : b > 255 ? 255 : b);
  };
  for (int64_t p = 0; p < plane; ++p) {
    const double I = v[p], U = v[plane + p], V = v[2 * plane + p];
    DPT_CHECK(I >= 0 && I <= kNumParts && I == std::floor(I), name << ": IUV part index " << I << " at pixel (" << p / W
                                                                   << ", " << p % W << ") is not an integer in 0..24");
    DPT_CHECK(!std::isnan(U) && !std::isnan(V), name << ": NaN in U or V at pixel (" << p / W << ", " << p % W << ")");
    uint8_t* px = &img.pixels[size_t(p) * 3];
    px[ci] = static_cast<uint8_t>(I);
    px[1] = trunc_byte(U);
    px[cv] = trunc_byte(V);
  }
  return img;
}

void write_iuv(const std::string& path, const Tensor& iuv, IUVOrder order) {
  DPT_CHECK(file_extension(path) == ".png", path << ": IUV maps are written as PNG (lossless); use a .png name");
  write_png(path, iuv_to_image(iuv, order, path));
}

void check_iuv_matches_image(const std::string& iuv_path, int64_t iuv_height, int64_t iuv_width,
                             const std::string& image_path, int64_t image_height, int64_t image_width) {
  DPT_CHECK(iuv_height == image_height && iuv_width == image_width,
            "IUV map " << iuv_path << " is " << iuv_height << "x" << iuv_width << " (HxW) but its image " << image_path
                       << " is " << image_height << "x" << image_width);
}

}  // namespace dpt
