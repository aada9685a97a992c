// libFuzzer target: the JSON parser. Whatever parses must serialise, and the text must parse back to the
// same serialisation (round trip).
#include <cstdint>
#include <string>

#include "core/error.h"
#include "io/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const dpt::Json j = dpt::parse_json(text, "fuzz-input");
    const std::string once = j.dump();
    if (dpt::parse_json(once, "fuzz-roundtrip").dump() != once) __builtin_trap();
  } catch (const dpt::Error&) {
  }
  return 0;
}
