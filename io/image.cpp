// read_image / write_png / write_jpeg: file handling and format detection around the codecs.
// The format comes from the content (magic bytes); the extension only has to agree with it.
#include "io/image.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/error.h"
#include "io/file_io.h"
#include "io/image_codecs.h"

namespace dpt {

namespace {

// Image files above this are not photos or pose maps; refusing them bounds what a bad path can cost.
constexpr uint64_t kMaxImageFileBytes = uint64_t(512) << 20;

// The first bytes, printable, for "this is not an image" messages (a text file, an HTML error page).
std::string describe_start(const uint8_t* data, size_t size) {
  if (size == 0) return "the file is empty";
  std::string s = "it starts with \"";
  for (size_t i = 0; i < size && i < 12; ++i) {
    const int c = data[i];
    if (std::isprint(c)) {
      s += char(c);
    } else {
      static const char* hex = "0123456789abcdef";
      s += "\\x";
      s += hex[c >> 4];
      s += hex[c & 15];
    }
  }
  return s + "\"";
}

// Which codec: by content, checked against a .png/.jpg/.jpeg extension.
ImageFormat detect(const uint8_t* data, size_t size, const std::string& name) {
  const std::string ext = file_extension(name);
  const bool png = codec::is_png(data, size), jpeg = codec::is_jpeg(data, size);
  if (ext == ".png") {
    DPT_CHECK(!jpeg, name << ": the content is JPEG but the extension says PNG (rename the file)");
    DPT_CHECK(png, name << ": not a PNG file: " << describe_start(data, size));
  } else if (ext == ".jpg" || ext == ".jpeg") {
    DPT_CHECK(!png, name << ": the content is PNG but the extension says JPEG (rename the file)");
    DPT_CHECK(jpeg, name << ": not a JPEG file: " << describe_start(data, size));
  }
  DPT_CHECK(png || jpeg, name << ": not a PNG or JPEG image: " << describe_start(data, size));
  return png ? ImageFormat::PNG : ImageFormat::JPEG;
}

}  // namespace

void check_image_size(const std::string& path, int64_t height, int64_t width) {
  DPT_CHECK(height > 0 && width > 0, path << ": image size " << height << "x" << width << " (HxW) is empty");
  DPT_CHECK(height <= kMaxImageSide && width <= kMaxImageSide && height * width <= kMaxImagePixels,
            path << ": image size " << height << "x" << width << " (HxW) is too large (limits: " << kMaxImageSide
                 << " per side, " << kMaxImagePixels << " pixels)");
}

Image8 decode_image(const uint8_t* data, size_t size, const std::string& name) {
  Image8 img = detect(data, size, name) == ImageFormat::PNG ? codec::decode_png(data, size, name)
                                                            : codec::decode_jpeg(data, size, name);
  check_image_size(name, img.height, img.width);
  return img;
}

Image8 read_image(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path, kMaxImageFileBytes);
  return decode_image(bytes.data(), bytes.size(), path);
}

ImageInfo read_image_info(const std::string& path) {
  InputFile f(path);
  ImageInfo info;
  // A PNG's size is in IHDR, the first chunk after the 8-byte signature: read just those 24 bytes.
  uint8_t head[24] = {0};
  const size_t n = f.size() < sizeof head ? size_t(f.size()) : sizeof head;
  f.read_at(0, head, n);
  if (codec::is_png(head, n) && file_extension(path) != ".jpg" && file_extension(path) != ".jpeg") {
    DPT_CHECK(n == sizeof head && std::memcmp(head + 12, "IHDR", 4) == 0,
              path << ": invalid PNG: the IHDR chunk does not follow the signature");
    auto be32 = [&](int i) {
      return int64_t(head[i]) << 24 | int64_t(head[i + 1]) << 16 | head[i + 2] << 8 | head[i + 3];
    };
    info = {ImageFormat::PNG, static_cast<int>(std::min<int64_t>(be32(20), INT32_MAX)),
            static_cast<int>(std::min<int64_t>(be32(16), INT32_MAX))};
  } else {
    // A JPEG's frame header may follow large EXIF/ICC segments: read the file and let libjpeg find it.
    const std::vector<uint8_t> bytes = read_file_bytes(path, kMaxImageFileBytes);
    const ImageFormat fmt = detect(bytes.data(), bytes.size(), path);
    Image8 h = fmt == ImageFormat::PNG ? codec::decode_png(bytes.data(), bytes.size(), path, true)
                                       : codec::decode_jpeg(bytes.data(), bytes.size(), path, true);
    info = {fmt, h.height, h.width};
  }
  check_image_size(path, info.height, info.width);
  return info;
}

void write_png(const std::string& path, const Image8& img) {
  const std::vector<uint8_t> bytes = codec::encode_png(img, path);
  write_file_atomic(path, bytes.data(), bytes.size());
}

void write_jpeg(const std::string& path, const Image8& img, int quality) {
  const std::vector<uint8_t> bytes = codec::encode_jpeg(img, quality, path);
  write_file_atomic(path, bytes.data(), bytes.size());
}

void write_image(const std::string& path, const Image8& img) {
  const std::string ext = file_extension(path);
  if (ext == ".png") return write_png(path, img);
  if (ext == ".jpg" || ext == ".jpeg") return write_jpeg(path, img);
  DPT_FAIL(path << ": cannot tell the image format from the extension '" << ext << "' (use .png, .jpg or .jpeg)");
}

}  // namespace dpt
