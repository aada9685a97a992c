// libFuzzer target: the JPEG decoder on bytes (codec::decode_jpeg; header-only pass too). Any input must
// decode to a consistent image or throw dpt::Error; a crash, leak or sanitizer report is a bug.
#include <cstdint>

#include "core/error.h"
#include "io/image_codecs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)dpt::codec::decode_jpeg(data, size, "fuzz-input", /*header_only=*/true);
    const dpt::Image8 img = dpt::codec::decode_jpeg(data, size, "fuzz-input");
    if (img.channels != 3 || img.pixels.size() != size_t(img.height) * img.width * 3) __builtin_trap();
  } catch (const dpt::Error&) {
  }
  return 0;
}
