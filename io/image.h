// 8-bit images: PNG/JPEG reading (format detected from the content) and writing, and the conversion to
// and from the network's [3,H,W] float32 tensors in [-1, 1]. Every error names the file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dpt {

// Row-major HWC bytes. The readers always return channels == 3 (RGB); the writers also take 1 (gray)
// and, for PNG, 4 (RGBA).
struct Image8 {
  int height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

enum class ImageFormat { PNG, JPEG };

struct ImageInfo {
  ImageFormat format = ImageFormat::PNG;
  int height = 0, width = 0;
};

// Larger images are refused before any pixel memory is allocated (a corrupt or hostile header
// must not make us allocate gigabytes).
constexpr int64_t kMaxImageSide = 16384;
constexpr int64_t kMaxImagePixels = int64_t(1) << 28;

// Reads a PNG or JPEG, chosen by the file's first bytes; a .png/.jpg/.jpeg extension that disagrees
// with the content is an error. Conversions to 8-bit RGB:
//  - gray, gray+alpha, palette (also with tRNS) and RGBA become RGB; alpha is dropped, not composited
//    (the DeepFashion images have none; an IUV map's bytes must come through unchanged);
//  - 16-bit PNG samples are scaled to 8 bits with rounding (round(v * 255 / 65535));
//  - no gamma or colour-profile correction: the stored bytes are returned as they are;
//  - CMYK JPEGs are refused.
// Truncated or corrupt files are errors (libpng/libjpeg errors are caught, never abort).
Image8 read_image(const std::string& path);
// Same, from bytes in memory; `name` is used in error messages (fuzz targets, tests).
Image8 decode_image(const uint8_t* data, size_t size, const std::string& name);
// Format and size from the header only (fast: for validating a dataset index).
ImageInfo read_image_info(const std::string& path);

// Written atomically (temporary file + rename). JPEG quality 1..100, 4:2:0 chroma subsampling.
void write_png(const std::string& path, const Image8& img);
void write_jpeg(const std::string& path, const Image8& img, int quality = 95);
// Chooses the format from the extension (.png, .jpg, .jpeg); anything else is an error.
void write_image(const std::string& path, const Image8& img);

// RGB image -> [3, H, W] float32 with x = byte / 127.5 - 1 (computed in double, rounded once).
Tensor image_to_tensor(const Image8& img);
// [3, H, W] (or [1, 3, H, W]) in [-1, 1] -> RGB bytes round((clamp(y, -1, 1) + 1) * 127.5), ties to even
// like torch.round. Any device, dtype or layout; NaN is an error.
Image8 tensor_to_image(const Tensor& chw);

// Shared by the readers: an error naming `path` when height x width is not a sane image size.
void check_image_size(const std::string& path, int64_t height, int64_t width);

}  // namespace dpt
