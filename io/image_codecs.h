// Internal to io/: the PNG and JPEG codecs behind io/image.h, working on bytes in memory.
// Each decoder returns 8-bit RGB and throws dpt::Error naming `name`; libpng/libjpeg never abort.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/image.h"

namespace dpt::codec {

bool is_png(const uint8_t* data, size_t size);
bool is_jpeg(const uint8_t* data, size_t size);

// header_only: fills height/width and returns without decoding pixels.
Image8 decode_png(const uint8_t* data, size_t size, const std::string& name, bool header_only = false);
Image8 decode_jpeg(const uint8_t* data, size_t size, const std::string& name, bool header_only = false);

std::vector<uint8_t> encode_png(const Image8& img, const std::string& name);
std::vector<uint8_t> encode_jpeg(const Image8& img, int quality, const std::string& name);

}  // namespace dpt::codec
