// DensePose IUV maps (docs/dpt.md section 1): 8-bit PNGs holding the part index I (0..24, 0 = background)
// and the surface coordinates U, V (stored as truncated bytes), in one of two channel orders.
#pragma once
#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "io/image.h"

namespace dpt {

constexpr int kNumParts = 24;

// Which RGB channel holds what, as an RGB reader sees the PNG:
//   BGR  (DensePose / OpenCV, the default): R = V*255, G = U*255, B = I
//   RGB  (PIL-based writers, e.g. pose-with-style): R = I, G = U*255, B = V*255
//   Auto: the one of R, B whose values are all <= 24 is I; an error if both or neither fit.
enum class IUVOrder { BGR, RGB, Auto };
IUVOrder parse_iuv_order(const std::string& s);  // "bgr" | "rgb" | "auto", else an Error listing them
const char* iuv_order_name(IUVOrder order);      // "bgr" | "rgb" | "auto"

// Resolves Auto for these pixels (an error naming `name` when ambiguous); BGR/RGB are returned as given.
IUVOrder resolve_iuv_order(const Image8& rgb, IUVOrder order, const std::string& name);

// RGB pixels -> [3, H, W] float32 (I, U, V): I = the byte, U = V-byte/255 as the float32 nearest to
// byte/255. A part index > 24 is an error ("not a DensePose IUV map (or wrong channel order)").
Tensor iuv_from_image(const Image8& rgb, IUVOrder order, const std::string& name);
// Reads a PNG IUV map (JPEG is refused: lossy compression corrupts the part indices).
Tensor read_iuv(const std::string& path, IUVOrder order = IUVOrder::BGR);

// Inverse of iuv_from_image, as DensePose stores maps: U, V bytes are truncated, floor(x*255 + 1e-4)
// (the 1e-4 keeps byte/255 exact through float32). I must be an integer in 0..24. iuv is [3,H,W] or
// [1,3,H,W]; order must be BGR or RGB.
Image8 iuv_to_image(const Tensor& iuv, IUVOrder order, const std::string& name);
void write_iuv(const std::string& path, const Tensor& iuv, IUVOrder order = IUVOrder::BGR);

// An Error naming both files when an IUV map and its image differ in size.
void check_iuv_matches_image(const std::string& iuv_path, int64_t iuv_height, int64_t iuv_width,
                             const std::string& image_path, int64_t image_height, int64_t image_width);

}  // namespace dpt
