// Printing of per-axis parameters in error messages (ops/hw.h).
#include "ops/hw.h"

#include <ostream>

namespace dpt {

std::ostream& operator<<(std::ostream& os, const Hw& v) {
  if (v.h == v.w) return os << v.h;
  return os << "(" << v.h << ", " << v.w << ")";
}

}  // namespace dpt
