// libFuzzer target: the CSV parser used for pairs-<split>.csv and persons-<split>.csv.
// Rows must always match the header's width.
#include <cstdint>
#include <string>

#include "core/error.h"
#include "io/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const dpt::CsvTable t = dpt::parse_csv(text, "fuzz-input");
    for (const auto& row : t.rows)
      if (row.size() != t.header.size()) __builtin_trap();
  } catch (const dpt::Error&) {
  }
  return 0;
}
