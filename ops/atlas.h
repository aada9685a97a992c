// The DensePose UV atlas (docs/dpt.md section 2): 24 tiles of S x S in 6 rows x 4 columns,
// part p (1..24) at tile column (p-1) div 6, row (p-1) mod 6; IUV encoding for the networks.
// Layout: Note [atlas layout] in ops/atlas_math.h.
#pragma once
#include "core/tensor.h"
#include "ops/atlas_math.h"

namespace dpt {

constexpr int kParts = 24;

// atlas [N, C, 6S, 4S] -> [N, 24C, S, S] part-major (channels of part p are p*C .. p*C+C-1). Differentiable.
Tensor untile(const Tensor& atlas);
// Inverse of untile: [N, 24C, S, S] -> [N, C, 6S, 4S]. Differentiable.
Tensor tile(const Tensor& parts);

struct UVGrid {
  Tensor grid;  // [N, H, W, 2] align_corners=True coordinates into the [6S, 4S] atlas; background (-2, -2)
  Tensor fg;    // [N, 1, H, W], 1 where I > 0
};
// iuv [N, 3, H, W] holding (I, U, V) -> grid and mask. Not differentiable (IUV is data).
UVGrid iuv_to_grid(const Tensor& iuv, int64_t S);

// Network encoding: (I/24*2-1, U*2-1, V*2-1), background (-1,-1,-1); onehot: 24 masks + U + V (26 ch).
Tensor encode_iuv(const Tensor& iuv, bool onehot = false);

// Kernels. Inputs contiguous, same dtype and device; outputs preallocated and overwritten.
// tile and untile are each other's backward.
namespace cpu {
// atlas [N, C, 6S, 4S] -> parts [N, 24C, S, S].
void untile_forward(const Tensor& atlas, Tensor& parts);
// parts [N, 24C, S, S] -> atlas [N, C, 6S, 4S].
void tile_forward(const Tensor& parts, Tensor& atlas);
// iuv [N, 3, H, W] -> grid [N, H, W, 2], fg [N, 1, H, W].
void iuv_to_grid_forward(const Tensor& iuv, int64_t S, Tensor& grid, Tensor& fg);
// iuv [N, 3, H, W] -> out [N, 3, H, W] (or [N, 26, H, W] when onehot).
void encode_iuv_forward(const Tensor& iuv, bool onehot, Tensor& out);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void untile_forward(const Tensor& atlas, Tensor& parts);
void tile_forward(const Tensor& parts, Tensor& atlas);
void iuv_to_grid_forward(const Tensor& iuv, int64_t S, Tensor& grid, Tensor& fg);
void encode_iuv_forward(const Tensor& iuv, bool onehot, Tensor& out);
}  // namespace cuda
#endif

}  // namespace dpt
