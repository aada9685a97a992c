// Per-element maths of the UV atlas (docs/dpt.md section 2), shared by the CPU and CUDA kernels:
// where part p's tile sits, the atlas coordinate of a surface point (p, u, v), and the IUV encodings.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/dispatch.h"
#include "ops/grid_sample_math.h"

namespace dpt {

// Note [atlas layout]
// 24 tiles of S x S in 6 rows x 4 columns: part p (1-based, p0 = p - 1 0-based) is the tile at column
// p0 div 6, row p0 mod 6, so the atlas is [6S, 4S]. Inside a tile (u, v) sits at column u (S-1), row
// (1-v) (S-1) (pixel units, align_corners=True). The part-major layout of untile numbers the tiles
// p0 = col * 6 + row and gives part p0 the channels p0*C .. p0*C+C-1 of an [N, 24C, S, S] tensor.
constexpr int kAtlasRows = 6;
constexpr int kAtlasCols = 4;
constexpr double kBackgroundGrid = -2.0;  // grid value of a background pixel (outside [-1, 1]: samples 0)

DPT_HD inline int64_t part_tile_row(int64_t p0) { return p0 % kAtlasRows; }
DPT_HD inline int64_t part_tile_col(int64_t p0) { return p0 / kAtlasRows; }

// Surface point (p0, u, v) -> atlas pixel coordinates (x, y) of the [6S, 4S] atlas.
DPT_HD inline void atlas_pixel(int64_t p0, double u, double v, int64_t S, double* x, double* y) {
  *x = static_cast<double>(part_tile_col(p0) * S) + u * static_cast<double>(S - 1);
  *y = static_cast<double>(part_tile_row(p0) * S) + (1.0 - v) * static_cast<double>(S - 1);
}

// One IUV pixel -> its grid point in the atlas (grid_sample's normalised coordinates); returns the
// foreground flag (I > 0). Background gets (kBackgroundGrid, kBackgroundGrid) whatever U, V hold.
// The part index is I rounded (half to even, like torch.round); I > 24 lands outside the atlas, as in
// the reference (the IUV reader rejects such maps). Computed in double so a float32 grid is the
// correctly rounded value.
template <class T>
DPT_HD inline bool iuv_grid_point(T I, T U, T V, int64_t S, T* gx, T* gy) {
  if (!(I > T(0))) {
    *gx = *gy = static_cast<T>(kBackgroundGrid);
    return false;
  }
  const double Id = static_cast<double>(I);
  const int64_t p0 = static_cast<int64_t>(std::nearbyint((Id < 1.0 ? 1.0 : Id) - 1.0));
  double x, y;
  atlas_pixel(p0, static_cast<double>(U), static_cast<double>(V), S, &x, &y);
  *gx = static_cast<T>(grid_normalize(x, kAtlasCols * S));
  *gy = static_cast<T>(grid_normalize(y, kAtlasRows * S));
  return true;
}

// Network encoding of one pixel: (I/24*2-1, U*2-1, V*2-1), with (-1, -1) for U, V on background.
template <class T>
DPT_HD inline void iuv_encode(T I, T U, T V, T* e_i, T* e_u, T* e_v) {
  const bool fg = I > T(0);
  *e_i = static_cast<T>(static_cast<double>(I) / 24.0 * 2.0 - 1.0);
  *e_u = fg ? static_cast<T>(static_cast<double>(U) * 2.0 - 1.0) : T(-1);
  *e_v = fg ? static_cast<T>(static_cast<double>(V) * 2.0 - 1.0) : T(-1);
}

// One-hot encoding: channel p0 (0..23) is 1 where I == p0 + 1 exactly.
template <class T>
DPT_HD inline T iuv_part_mask(T I, int64_t p0) {
  return I == static_cast<T>(p0 + 1) ? T(1) : T(0);
}

// Flat offset, inside one [6S, 4S] atlas plane, of texel (y, x) of part p0's tile.
DPT_HD inline int64_t atlas_tile_offset(int64_t p0, int64_t y, int64_t x, int64_t S) {
  return (part_tile_row(p0) * S + y) * (kAtlasCols * S) + part_tile_col(p0) * S + x;
}

}  // namespace dpt
