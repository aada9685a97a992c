// libFuzzer target: an image decoded and read as an IUV map in every channel order, then written back.
// Also checks that a successful decode round-trips through iuv_to_image exactly.
#include <cstdint>

#include "core/error.h"
#include "io/image.h"
#include "io/iuv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dpt::Image8 img;
  try {
    img = dpt::decode_image(data, size, "fuzz-input");
  } catch (const dpt::Error&) {
    return 0;
  }
  for (dpt::IUVOrder order : {dpt::IUVOrder::BGR, dpt::IUVOrder::RGB, dpt::IUVOrder::Auto}) {
    try {
      const dpt::IUVOrder resolved = dpt::resolve_iuv_order(img, order, "fuzz-input");
      dpt::Tensor iuv = dpt::iuv_from_image(img, resolved, "fuzz-input");
      if (dpt::iuv_to_image(iuv, resolved, "fuzz-input").pixels != img.pixels) __builtin_trap();
    } catch (const dpt::Error&) {
    }
  }
  return 0;
}
