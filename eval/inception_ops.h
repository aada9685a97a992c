// The few inference kernels Inception-v3 needs that the engine's ops lack (ops/conv2d.h has square kernels
// only, ops/max_pool.h only 2x2): float32, CPU, no autograd (the network runs under NoGradGuard).
#pragma once
#include "core/tensor.h"

namespace dpt::eval {

// Convolution with a kh x kw kernel, one stride for both axes and per-axis zero padding (PyTorch's
// nn.Conv2d(kernel_size=(kh, kw), stride=s, padding=(ph, pw))): im2col into [N, C kh kw, Ho, Wo], then the
// engine's 1x1 conv2d (its packed GEMM; OpenBLAS's SGEMM is much slower on some CPUs).
// x [N, C, H, W], w [K, C, kh, kw], b [K] or undefined -> [N, K, (H + 2ph - kh)/s + 1, (W + 2pw - kw)/s + 1].
Tensor conv2d_rect(const Tensor& x, const Tensor& w, const Tensor& b, int stride, int pad_h, int pad_w);
// The same from the definition (double accumulation, plain loops): the reference of conv2d_rect.
Tensor conv2d_rect_reference(const Tensor& x, const Tensor& w, const Tensor& b, int stride, int pad_h, int pad_w);

// F.max_pool2d(x, kernel_size=3, stride=2): no padding, floor mode.
// x [N, C, H, W] -> [N, C, (H - 3)/2 + 1, (W - 3)/2 + 1].
Tensor max_pool3x3_s2(const Tensor& x);
// F.avg_pool2d(x, kernel_size=3, stride=1, padding=1) with PyTorch's default count_include_pad=True:
// every output is the window sum over 9, zeros counted at the borders. x [N, C, H, W] -> same shape.
Tensor avg_pool3x3_s1_p1(const Tensor& x);
// nn.AdaptiveAvgPool2d(1) + flatten: x [N, C, H, W] -> [N, C] (sums in double).
Tensor global_avg_pool(const Tensor& x);

// Note [bilinear resize]
// F.interpolate(x, size=(Ho, Wo), mode='bilinear', align_corners=False, antialias=False): output pixel o
// samples the input at src = (o + 0.5) * in / out - 0.5, clamped below at 0; the two neighbours floor(src)
// and min(floor(src) + 1, in - 1) are mixed with weights 1 - f, f (f = src - floor(src)). Downscaling does
// not low-pass filter first (PIL's resize does). Weights computed in double.
// x [C, H, W] -> [C, Ho, Wo].
Tensor resize_bilinear(const Tensor& x, int64_t out_h, int64_t out_w);

}  // namespace dpt::eval
