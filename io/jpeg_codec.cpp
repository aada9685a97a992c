// JPEG decode/encode with libjpeg(-turbo), from and to memory. libjpeg's error_exit would call exit():
// ours formats the message and longjmps back to the caller, which throws. Truncation (a libjpeg
// warning only, which pads the image with gray) is turned into an error.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

// jpeglib.h needs FILE and size_t (above) first, and jerror.h needs jpeglib.h.
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include "core/error.h"
#include "io/image_codecs.h"

namespace dpt::codec {

namespace {

// A progressive JPEG may declare thousands of scans, each a full pass over the coefficients: cap them.
constexpr int kMaxScans = 1000;
constexpr long kMaxDecoderMemory = 1L << 30;

struct JpegErr {
  jpeg_error_mgr mgr;  // first member: libjpeg's err pointer is cast back to JpegErr
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {0};
  bool corrupt = false;  // premature end of file / of a data segment
};

void on_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErr*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  auto* err = reinterpret_cast<JpegErr*>(cinfo->err);
  const int code = cinfo->err->msg_code;
  if (!err->corrupt && (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER)) {
    err->corrupt = true;
    (*cinfo->err->format_message)(cinfo, err->message);
  }
  // Other warnings (e.g. extraneous bytes before a marker) are tolerated, as most readers do.
}

void on_progress(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) ERREXIT(cinfo, JERR_NOT_COMPILED);  // message replaced below
}

void init_err(JpegErr* err) {
  jpeg_std_error(&err->mgr);
  err->mgr.error_exit = on_error_exit;
  err->mgr.emit_message = on_emit_message;
}

// Returns false with err->message set on failure. Only trivially destructible locals cross setjmp.
bool decode_raw(const uint8_t* data, size_t size, JpegErr* err, jpeg_decompress_struct* cinfo,
                jpeg_progress_mgr* progress, Image8* img, bool header_only) {
  init_err(err);
  cinfo->err = &err->mgr;
  if (setjmp(err->jump)) {
    if (cinfo->input_scan_number > kMaxScans)
      std::snprintf(err->message, sizeof err->message, "more than %d progressive scans", kMaxScans);
    jpeg_destroy_decompress(cinfo);
    return false;
  }
  jpeg_create_decompress(cinfo);
  progress->progress_monitor = on_progress;
  cinfo->progress = progress;
  jpeg_mem_src(cinfo, const_cast<unsigned char*>(data), static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  img->width = static_cast<int>(cinfo->image_width);
  img->height = static_cast<int>(cinfo->image_height);
  img->channels = 3;
  const int64_t w = cinfo->image_width, h = cinfo->image_height;
  if (w > kMaxImageSide || h > kMaxImageSide || w * h > kMaxImagePixels) {
    std::snprintf(err->message, sizeof err->message, "image size %lldx%lld (HxW) is too large", (long long)h,
                  (long long)w);
    jpeg_destroy_decompress(cinfo);
    return false;
  }
  if (header_only) {
    jpeg_destroy_decompress(cinfo);
    return true;
  }
  // Huffman coding spends at least one bit per 8x8 block on its DC value, so a small file cannot hold a
  // big image (arithmetic coding has no such bound). Refuse before allocating the pixels.
  const uint64_t blocks = uint64_t((w + 7) / 8) * uint64_t((h + 7) / 8);
  if (!cinfo->arith_code && blocks / 8 > size) {
    std::snprintf(err->message, sizeof err->message,
                  "a %zu-byte file cannot hold a %lldx%lld (HxW) image: truncated or corrupt", size, (long long)h,
                  (long long)w);
    jpeg_destroy_decompress(cinfo);
    return false;
  }
  // Progressive files keep all coefficients in memory (2 bytes per sample); cap that, since libjpeg
  // (without backing store) would otherwise take whatever the header asks for.
  cinfo->mem->max_memory_to_use = kMaxDecoderMemory;
  if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
    std::snprintf(err->message, sizeof err->message, "CMYK JPEGs are not supported (convert it to RGB)");
    jpeg_destroy_decompress(cinfo);
    return false;
  }
  cinfo->out_color_space = JCS_RGB;
  jpeg_start_decompress(cinfo);
  if (cinfo->output_components != 3) ERREXIT(cinfo, JERR_CONVERSION_NOTIMPL);
  bool alloc_ok = true;
  try {
    img->pixels.assign(size_t(w) * size_t(h) * 3, 0);
  } catch (...) {
    alloc_ok = false;
  }
  if (!alloc_ok) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = img->pixels.data() + size_t(cinfo->output_scanline) * size_t(w) * 3;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo);
  jpeg_destroy_decompress(cinfo);
  if (err->corrupt) return false;  // the message is the libjpeg warning
  return true;
}

bool encode_raw(const Image8* img, int quality, JpegErr* err, jpeg_compress_struct* cinfo, unsigned char** buf,
                unsigned long* size) {
  init_err(err);
  cinfo->err = &err->mgr;
  if (setjmp(err->jump)) {
    jpeg_destroy_compress(cinfo);
    return false;
  }
  jpeg_create_compress(cinfo);
  jpeg_mem_dest(cinfo, buf, size);
  cinfo->image_width = JDIMENSION(img->width);
  cinfo->image_height = JDIMENSION(img->height);
  cinfo->input_components = img->channels;
  cinfo->in_color_space = img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(cinfo);
  jpeg_set_quality(cinfo, quality, TRUE);
  jpeg_start_compress(cinfo, TRUE);
  const size_t row_bytes = size_t(img->width) * img->channels;
  while (cinfo->next_scanline < cinfo->image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(img->pixels.data() + size_t(cinfo->next_scanline) * row_bytes);
    jpeg_write_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_compress(cinfo);
  jpeg_destroy_compress(cinfo);
  return true;
}

}  // namespace

bool is_jpeg(const uint8_t* data, size_t size) {
  return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

Image8 decode_jpeg(const uint8_t* data, size_t size, const std::string& name, bool header_only) {
  DPT_CHECK(is_jpeg(data, size), name << ": not a JPEG file (bad signature)");
  JpegErr err;
  jpeg_decompress_struct cinfo;
  jpeg_progress_mgr progress;
  std::memset(&cinfo, 0, sizeof cinfo);
  std::memset(&progress, 0, sizeof progress);
  Image8 img;
  if (!decode_raw(data, size, &err, &cinfo, &progress, &img, header_only)) {
    const bool truncated = std::strstr(err.message, "Premature end") != nullptr;
    DPT_FAIL(name << ": invalid JPEG: " << err.message << (truncated ? " (truncated file?)" : ""));
  }
  return img;
}

std::vector<uint8_t> encode_jpeg(const Image8& img, int quality, const std::string& name) {
  DPT_CHECK(img.channels == 1 || img.channels == 3, name << ": write_jpeg needs 1 or 3 channels, got " << img.channels);
  DPT_CHECK(quality >= 1 && quality <= 100, name << ": JPEG quality must be in 1..100, got " << quality);
  check_image_size(name, img.height, img.width);
  DPT_CHECK(img.pixels.size() == size_t(img.height) * img.width * img.channels,
            name << ": image has " << img.pixels.size() << " bytes, expected " << img.height << "x" << img.width << "x"
                 << img.channels);
  JpegErr err;
  jpeg_compress_struct cinfo;
  std::memset(&cinfo, 0, sizeof cinfo);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  const bool ok = encode_raw(&img, quality, &err, &cinfo, &buf, &size);
  std::vector<uint8_t> out;
  if (ok) out.assign(buf, buf + size);
  std::free(buf);  // jpeg_mem_dest allocates with malloc
  DPT_CHECK(ok, name << ": JPEG encoding failed: " << err.message);
  return out;
}

}  // namespace dpt::codec
