// Overflow-checked size arithmetic: every product of user- or file-given sizes (shape products, byte
// counts) goes through these, so an absurd size is an Error naming the numbers, never a wrapped value.
#pragma once
#include <cstdint>

#include "core/error.h"

namespace dpt {

// a * b for non-negative a, b; false (and *out untouched) when the product exceeds INT64_MAX.
inline bool mul_fits(int64_t a, int64_t b, int64_t* out) {
  int64_t r = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r)) return false;
  *out = r;
  return true;
}

// a * b for non-negative a, b, or an Error "<what>: a x b overflows int64".
inline int64_t checked_mul(int64_t a, int64_t b, const char* what) {
  int64_t r = 0;
  DPT_CHECK(mul_fits(a, b, &r), what << ": " << a << " x " << b << " overflows a 64-bit size (limit "
                                     << INT64_MAX << ")");
  return r;
}

}  // namespace dpt
