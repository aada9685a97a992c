// PNG decode/encode with libpng, from and to memory. libpng reports errors by longjmp: the error
// callback records the message and jumps back to the setjmp in the calling function, which throws.
#include <png.h>

#include <cctype>
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "io/image_codecs.h"

namespace dpt::codec {

namespace {

constexpr size_t kMaxChunkBytes = size_t(8) << 20;

// Everything the libpng callbacks touch lives here, in memory, so nothing relies on register values
// surviving the longjmp.
struct PngCtx {
  const uint8_t* data = nullptr;
  size_t size = 0, pos = 0;
  char error[256] = {0};
  std::vector<uint8_t>* out = nullptr;  // encoder output
};

void on_error(png_structp png, png_const_charp msg) {
  auto* ctx = static_cast<PngCtx*>(png_get_error_ptr(png));
  std::snprintf(ctx->error, sizeof ctx->error, "%s", msg);
  png_longjmp(png, 1);
}

// Warnings (e.g. a bad CRC in an ancillary chunk, which libpng then skips) leave the pixels intact.
void on_warning(png_structp, png_const_charp) {}

void on_read(png_structp png, png_bytep dst, size_t n) {
  auto* ctx = static_cast<PngCtx*>(png_get_io_ptr(png));
  if (n > ctx->size - ctx->pos) png_error(png, "unexpected end of file (truncated PNG)");
  std::memcpy(dst, ctx->data + ctx->pos, n);
  ctx->pos += n;
}

void on_write(png_structp png, png_bytep src, size_t n) {
  auto* ctx = static_cast<PngCtx*>(png_get_io_ptr(png));
  bool ok = true;
  try {
    ctx->out->insert(ctx->out->end(), src, src + n);
  } catch (...) {  // no C++ exception may cross libpng's C frames
    ok = false;
  }
  if (!ok) png_error(png, "out of memory");
}

void on_flush(png_structp) {}

// Decodes into *img. Returns false with ctx->error set when libpng (or a size check) fails.
// Only trivially destructible locals live across setjmp (see the C++ rules for setjmp/longjmp).
bool decode_raw(PngCtx* ctx, Image8* img, bool header_only) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, on_error, on_warning);
  if (!png) {
    std::snprintf(ctx->error, sizeof ctx->error, "out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    if (!info) std::snprintf(ctx->error, sizeof ctx->error, "out of memory");
    png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    return false;
  }
  png_set_read_fn(png, ctx, on_read);
  // libpng's own limits, above ours: our check below gives the clearer message.
  png_set_user_limits(png, 1u << 20, 1u << 20);
  // libpng allocates an ancillary chunk's declared length before reading it: bound that (and the
  // inflated size of zTXt/iCCP) so a lying length field cannot ask for gigabytes.
  png_set_chunk_malloc_max(png, ctx->size > kMaxChunkBytes ? ctx->size : kMaxChunkBytes);
  png_set_chunk_cache_max(png, 256);
  png_read_info(png, info);

  const png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  img->width = static_cast<int>(w);
  img->height = static_cast<int>(h);
  img->channels = 3;
  if (int64_t(w) > kMaxImageSide || int64_t(h) > kMaxImageSide || int64_t(w) * int64_t(h) > kMaxImagePixels) {
    std::snprintf(ctx->error, sizeof ctx->error, "image size %ux%u (HxW) is too large", unsigned(h), unsigned(w));
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  if (header_only) {
    png_destroy_read_struct(&png, &info, nullptr);
    return true;
  }
  // Deflate expands at most 1032:1, so a small file cannot hold a big image: refuse before allocating.
  const uint64_t raw_bytes = uint64_t(h) * png_get_rowbytes(png, info);
  if (raw_bytes / 1032 > ctx->size) {
    std::snprintf(ctx->error, sizeof ctx->error,
                  "a %zu-byte file cannot hold a %ux%u (HxW) image: truncated or corrupt", ctx->size, unsigned(h),
                  unsigned(w));
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }

  // Everything becomes 8-bit RGB; the stored bytes are not gamma-corrected.
  const int color = png_get_color_type(png, info);
  png_set_expand(png);  // palette -> RGB, gray < 8 bits -> 8 bits, tRNS -> alpha
  png_set_scale_16(png);
  if (color & PNG_COLOR_MASK_ALPHA || png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
  if (!(color & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8 ||
      png_get_rowbytes(png, info) != size_t(w) * 3) {
    std::snprintf(ctx->error, sizeof ctx->error, "unsupported PNG layout (color type %d)", color);
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  bool alloc_ok = true;
  try {
    img->pixels.assign(size_t(w) * h * 3, 0);
  } catch (...) {
    alloc_ok = false;
  }
  if (!alloc_ok) png_error(png, "out of memory for the pixels");
  // Row by row (interlaced images: once per pass); rows of the final image, so no row-pointer array.
  for (int pass = 0; pass < passes; ++pass)
    for (png_uint_32 y = 0; y < h; ++y) png_read_row(png, img->pixels.data() + size_t(y) * w * 3, nullptr);
  png_read_end(png, nullptr);  // reads up to IEND: a file cut after the pixel data is still truncated
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

bool encode_raw(PngCtx* ctx, const Image8* img) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx, on_error, on_warning);
  if (!png) {
    std::snprintf(ctx->error, sizeof ctx->error, "out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    if (!info) std::snprintf(ctx->error, sizeof ctx->error, "out of memory");
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return false;
  }
  png_set_write_fn(png, ctx, on_write, on_flush);
  const int color = img->channels == 1   ? PNG_COLOR_TYPE_GRAY
                    : img->channels == 3 ? PNG_COLOR_TYPE_RGB
                                         : PNG_COLOR_TYPE_RGBA;
  png_set_IHDR(png, info, png_uint_32(img->width), png_uint_32(img->height), 8, color, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const size_t row = size_t(img->width) * img->channels;
  for (int y = 0; y < img->height; ++y) png_write_row(png, const_cast<png_bytep>(img->pixels.data() + size_t(y) * row));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

// libpng allocates a chunk's declared length before reading it (a too-large ancillary chunk is only a
// "benign" error), so a lying length field could cost gigabytes. The whole file is in memory: check
// every chunk length against the bytes that are really there first.
void check_chunk_lengths(const uint8_t* data, size_t size, const std::string& name) {
  size_t pos = 8;
  while (pos + 8 <= size) {
    const uint32_t len = uint32_t(data[pos]) << 24 | uint32_t(data[pos + 1]) << 16 | uint32_t(data[pos + 2]) << 8 |
                         uint32_t(data[pos + 3]);
    std::string type(reinterpret_cast<const char*>(data + pos + 4), 4);
    for (char& c : type)
      if (!std::isalpha(static_cast<unsigned char>(c))) c = '?';
    DPT_CHECK(uint64_t(len) + 12 <= size - pos, name << ": invalid PNG: chunk " << type << " at byte " << pos
                                                     << " declares " << len << " bytes but only " << (size - pos)
                                                     << " remain (truncated or corrupt file)");
    pos += 12 + size_t(len);
    if (type == "IEND") return;
  }
}

}  // namespace

bool is_png(const uint8_t* data, size_t size) {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  return size >= 8 && std::memcmp(data, sig, 8) == 0;
}

Image8 decode_png(const uint8_t* data, size_t size, const std::string& name, bool header_only) {
  DPT_CHECK(is_png(data, size), name << ": not a PNG file (bad signature)");
  check_chunk_lengths(data, size, name);
  PngCtx ctx;
  ctx.data = data;
  ctx.size = size;
  Image8 img;
  DPT_CHECK(decode_raw(&ctx, &img, header_only), name << ": invalid PNG: " << ctx.error);
  return img;
}

std::vector<uint8_t> encode_png(const Image8& img, const std::string& name) {
  DPT_CHECK(img.channels == 1 || img.channels == 3 || img.channels == 4,
            name << ": write_png needs 1, 3 or 4 channels, got " << img.channels);
  check_image_size(name, img.height, img.width);
  DPT_CHECK(img.pixels.size() == size_t(img.height) * img.width * img.channels,
            name << ": image has " << img.pixels.size() << " bytes, expected " << img.height << "x" << img.width << "x"
                 << img.channels);
  std::vector<uint8_t> out;
  PngCtx ctx;
  ctx.out = &out;
  DPT_CHECK(encode_raw(&ctx, &img), name << ": PNG encoding failed: " << ctx.error);
  return out;
}

}  // namespace dpt::codec
