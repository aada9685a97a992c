// CUDA atlas ops (ops/atlas.h; Note [atlas layout] in ops/atlas_math.h). Launch: 1-D grid-stride,
// 256 threads; tile / untile one thread per texel (coalesced along the tile rows), iuv_to_grid and
// encode_iuv one thread per pixel.
#include "ops/atlas.h"
#include "ops/atlas_math.h"
#include "ops/cuda/launch.cuh"

namespace dpt::cuda {
namespace {

// parts [N, 24C, S, S] <-> atlas [N, C, 6S, 4S]; to_parts picks the direction. Thread i = parts index.
template <class T>
__global__ void tiles_kernel(T* atlas, T* parts, int64_t N, int64_t C, int64_t S, bool to_parts) {
  const int64_t L = kAtlasRows * kAtlasCols * S * S;
  DPT_KERNEL_LOOP(i, N * kParts * C * S * S) {
    const int64_t x = i % S, y = (i / S) % S, c = (i / (S * S)) % C, p0 = (i / (S * S * C)) % kParts;
    const int64_t n = i / (S * S * C * kParts);
    T* a = atlas + (n * C + c) * L + atlas_tile_offset(p0, y, x, S);
    if (to_parts) parts[i] = *a;
    else *a = parts[i];
  }
}

// iuv [N, 3, P] -> grid [N, P, 2], fg [N, P]
template <class T>
__global__ void iuv_to_grid_kernel(const T* __restrict__ iuv, T* __restrict__ grid, T* __restrict__ fg, int64_t N,
                                   int64_t P, int64_t S) {
  DPT_KERNEL_LOOP(i, N * P) {
    const int64_t n = i / P, p = i % P;
    const T* px = iuv + n * 3 * P + p;
    const bool f = iuv_grid_point(px[0], px[P], px[2 * P], S, &grid[2 * i], &grid[2 * i + 1]);
    fg[i] = f ? T(1) : T(0);
  }
}

// iuv [N, 3, P] -> out [N, 3 or 26, P]
template <class T>
__global__ void encode_iuv_kernel(const T* __restrict__ iuv, T* __restrict__ out, int64_t N, int64_t P, int64_t Co,
                                  bool onehot) {
  DPT_KERNEL_LOOP(i, N * P) {
    const int64_t n = i / P, p = i % P;
    const T* px = iuv + n * 3 * P + p;
    T* o = out + n * Co * P + p;
    T e_i, e_u, e_v;
    iuv_encode(px[0], px[P], px[2 * P], &e_i, &e_u, &e_v);
    if (onehot) {
      for (int64_t p0 = 0; p0 < kParts; ++p0) o[p0 * P] = iuv_part_mask(px[0], p0);
      o[kParts * P] = e_u;
      o[(kParts + 1) * P] = e_v;
    } else {
      o[0] = e_i;
      o[P] = e_u;
      o[2 * P] = e_v;
    }
  }
}

template <class T>
void copy_tiles(T* atlas, T* parts, int64_t N, int64_t C, int64_t S, bool to_parts) {
  const int64_t n = N * kParts * C * S * S;
  launch(to_parts ? "untile" : "tile", tiles_kernel<T>, blocks_for(n), kThreads, 0, current_stream(), atlas, parts, N, C,
         S, to_parts);
}

}  // namespace

void untile_forward(const Tensor& atlas, Tensor& parts) {
  DPT_DISPATCH_FLOAT(atlas.dtype(), copy_tiles(atlas.data<scalar_t>(), parts.data<scalar_t>(), atlas.size(0),
                                               atlas.size(1), parts.size(2), true));
}

void tile_forward(const Tensor& parts, Tensor& atlas) {
  DPT_DISPATCH_FLOAT(atlas.dtype(), copy_tiles(atlas.data<scalar_t>(), parts.data<scalar_t>(), atlas.size(0),
                                               atlas.size(1), parts.size(2), false));
}

void iuv_to_grid_forward(const Tensor& iuv, int64_t S, Tensor& grid, Tensor& fg) {
  const int64_t N = iuv.size(0), P = iuv.size(2) * iuv.size(3);
  DPT_DISPATCH_FLOAT(iuv.dtype(), {
    launch("iuv_to_grid", iuv_to_grid_kernel<scalar_t>, blocks_for(N * P), kThreads, 0, current_stream(),
           iuv.data<scalar_t>(), grid.data<scalar_t>(), fg.data<scalar_t>(), N, P, S);
  });
}

void encode_iuv_forward(const Tensor& iuv, bool onehot, Tensor& out) {
  const int64_t N = iuv.size(0), P = iuv.size(2) * iuv.size(3), Co = out.size(1);
  DPT_DISPATCH_FLOAT(iuv.dtype(), {
    launch("encode_iuv", encode_iuv_kernel<scalar_t>, blocks_for(N * P), kThreads, 0, current_stream(),
           iuv.data<scalar_t>(), out.data<scalar_t>(), N, P, Co, onehot);
  });
}

}  // namespace dpt::cuda
