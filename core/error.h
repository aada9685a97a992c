// Error type and argument checks shared by every library.
// A library never exits: it throws dpt::Error with a message naming the op, the shapes or the file.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace dpt {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace dpt

// DPT_CHECK(cond, "conv2d: x must be 4-D, got " << x.shape_str());
#define DPT_CHECK(cond, msg)                       \
  do {                                             \
    if (!(cond)) {                                 \
      std::ostringstream dpt_check_os_;            \
      dpt_check_os_ << msg;                        \
      throw ::dpt::Error(dpt_check_os_.str());     \
    }                                              \
  } while (0)

#define DPT_FAIL(msg) DPT_CHECK(false, msg)
