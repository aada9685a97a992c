// A convolution case with per-axis kernel, stride and padding, shared by the CPU conv tests
// (tests/test_conv.cpp) and the CUDA parity tests (tests/test_cuda_parity_general_ops.cpp).
#pragma once
#include <cstdint>
#include <sstream>
#include <string>

#include "core/tensor.h"
#include "ops/conv2d.h"

namespace dpt::test {

struct RectConvCase {
  int64_t N, Cin, H, W, Cout, kh, kw;
  Hw stride, pad, out_pad;
  int groups;

  ConvParams params() const {
    ConvParams p;
    p.stride = stride;
    p.padding = pad;
    p.output_padding = out_pad;
    p.groups = groups;
    return p;
  }
  Shape input_shape() const { return {N, Cin, H, W}; }
  // conv2d: [Cout, Cin / groups, kh, kw]; conv_transpose2d: [Cin, Cout / groups, kh, kw].
  Shape weight_shape(bool transposed) const {
    return transposed ? Shape{Cin, Cout / groups, kh, kw} : Shape{Cout, Cin / groups, kh, kw};
  }
  std::string name() const {
    std::ostringstream os;
    os << "N" << N << " Cin" << Cin << " " << H << "x" << W << " Cout" << Cout << " k" << kh << "x" << kw << " s"
       << stride << " p" << pad << " op" << out_pad << " g" << groups;
    return os.str();
  }
};

}  // namespace dpt::test
