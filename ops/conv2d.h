// 2-D convolution and transposed convolution with bias and groups (PyTorch semantics and layouts).
// conv2d weight is [Cout, Cin/groups, kh, kw]; conv_transpose2d weight is [Cin, Cout/groups, kh, kw].
// Kernel size, stride, padding and output padding are per axis (Inception's 1x7 and 7x1 convs); the
// kernel size comes from the weight's shape.
#pragma once
#include "core/tensor.h"
#include "ops/hw.h"

namespace dpt {

struct ConvParams {
  Hw stride = 1;
  Hw padding = 0;
  Hw output_padding = 0;  // transposed conv only
  int groups = 1;
};

// x [N, Cin, H, W], w [Cout, Cin/g, kh, kw], b [Cout] or undefined -> [N, Cout, Ho, Wo].
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p);
// x [N, Cin, H, W], w [Cin, Cout/g, kh, kw], b [Cout] or undefined
//   -> [N, Cout, (H-1)sh - 2ph + kh + oph, (W-1)sw - 2pw + kw + opw].
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p);

// Output size along spatial dim `axis` (0 = height, 1 = width): (in + 2p - k) / s + 1, and
// (in - 1) s - 2p + k + op, with that axis' stride, padding and output padding.
int64_t conv2d_out_size(int64_t in, int64_t k, const ConvParams& p, int axis = 0);
int64_t conv_transpose2d_out_size(int64_t in, int64_t k, const ConvParams& p, int axis = 0);

// Kernels. Inputs contiguous, outputs preallocated and contiguous on the same device. `b` may be
// undefined (no bias); in the backward kernels an undefined gx / gw / gb means "not wanted".
// Results are deterministic and independent of the thread count (Note [conv determinism] in
// ops/cpu/conv_gemm.h).
//   conv2d:           x [N,Cin,H,W], w [Cout,Cin/g,kh,kw], b [Cout], out / gout [N,Cout,Ho,Wo]
//   conv_transpose2d: x [N,Cin,H,W], w [Cin,Cout/g,kh,kw], b [Cout], out / gout [N,Cout,Ho,Wo]
namespace cpu {
void conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out);
void conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p, Tensor& gx,
                     Tensor& gw, Tensor& gb);
void conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out);
void conv_transpose2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p, Tensor& gx,
                               Tensor& gw, Tensor& gb);
// Plain loops straight from the definitions (double accumulation): the reference that the fast CPU
// kernels and the CUDA kernels are tested against. Same signatures; slow.
void conv2d_forward_reference(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out);
void conv2d_backward_reference(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p,
                               Tensor& gx, Tensor& gw, Tensor& gb);
void conv_transpose2d_forward_reference(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p,
                                        Tensor& out);
void conv_transpose2d_backward_reference(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p,
                                         Tensor& gx, Tensor& gw, Tensor& gb);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out);
void conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p, Tensor& gx,
                     Tensor& gw, Tensor& gb);
void conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out);
void conv_transpose2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p, Tensor& gx,
                               Tensor& gw, Tensor& gb);
}  // namespace cuda
#endif

}  // namespace dpt
