// XDoG edge maps (docs/sca.md section 1, Note [XDoG] in ops/xdog_math.h): RGB bytes -> the stored 8-bit edge
// map (dark lines on white), optionally with every intermediate the goldens store. Not differentiable.
#pragma once
#include <vector>

#include "core/tensor.h"
#include "ops/xdog_math.h"

namespace dpt {

struct XdogResult {
  Tensor edge;  // [N, 1, H, W] the stored bytes 0..255 (integer-valued, rgb's dtype)
  // With intermediates (else undefined): gray bytes, the two blurs, D, X (main.m's E) and the
  // normalised map N, each [N, 1, H, W].
  Tensor gray, blur_s, blur_ks, D, X, normalised;
};

// rgb [N, 3, H, W] byte values 0..255 (any float dtype and device; H, W >= 1) -> XdogResult on that
// device. Parameters must be finite with sigma, k > 0 and ceil(2 k sigma) <= kXdogMaxRadius.
XdogResult xdog(const Tensor& rgb, const XdogParams& p = {}, bool intermediates = false);

// The imgaussfilt taps for standard deviation s (2 ceil(2s) + 1 values summing to 1).
std::vector<double> xdog_gaussian_taps(double s);
// Network value of stored edge bytes: 1 - 2 byte / 255 (lines -> +1, background -> -1), same shape.
Tensor edge_bytes_to_network(const Tensor& bytes);

// Kernels. rgb contiguous [N, 3, H, W]; every output preallocated [N, 1, H, W] with rgb's dtype and
// device; the intermediates are written only when `mid` is non-null (6 tensors: gray, blur_s, blur_ks,
// D, X, normalised).
namespace cpu {
void xdog_forward(const Tensor& rgb, const XdogParams& p, const XdogTaps& taps_s, const XdogTaps& taps_ks,
                  Tensor& edge, Tensor* mid);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void xdog_forward(const Tensor& rgb, const XdogParams& p, const XdogTaps& taps_s, const XdogTaps& taps_ks,
                  Tensor& edge, Tensor* mid);
}  // namespace cuda
#endif

}  // namespace dpt
