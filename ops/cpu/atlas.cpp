// CPU kernels of the atlas ops (Note [atlas layout] in ops/atlas_math.h): tile / untile copy rows of S
// texels between the [6S, 4S] atlas and the part-major [24C, S, S] stack; iuv_to_grid and encode_iuv
// are per pixel.
#include <algorithm>

#include "core/threading.h"
#include "ops/atlas.h"

namespace dpt::cpu {

namespace {
// Copies every tile row between atlas [N, C, 6S, 4S] and parts [N, 24C, S, S]; to_parts picks the direction.
template <class T>
void copy_tiles(T* atlas, T* parts, int64_t N, int64_t C, int64_t S, bool to_parts) {
  const int64_t L = kAtlasRows * kAtlasCols * S * S;  // one atlas plane
  // One task row r = ((n * 24 + p0) * C + c) * S + y: the S texels of row y of part p0's tile, channel c.
  parallel_for(N * kParts * C * S, 256, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t y = r % S, c = (r / S) % C, p0 = (r / (S * C)) % kParts, n = r / (S * C * kParts);
      T* a = atlas + (n * C + c) * L + atlas_tile_offset(p0, y, 0, S);
      T* p = parts + r * S;  // ((n * 24C + p0 * C + c) * S + y) * S
      if (to_parts)
        std::copy(a, a + S, p);
      else
        std::copy(p, p + S, a);
    }
  });
}
}  // namespace

void untile_forward(const Tensor& atlas, Tensor& parts) {
  const int64_t S = parts.size(2);
  DPT_DISPATCH_FLOAT(atlas.dtype(), {
    copy_tiles(atlas.data<scalar_t>(), parts.data<scalar_t>(), atlas.size(0), atlas.size(1), S, true);
  });
}

void tile_forward(const Tensor& parts, Tensor& atlas) {
  const int64_t S = parts.size(2);
  DPT_DISPATCH_FLOAT(atlas.dtype(), {
    copy_tiles(atlas.data<scalar_t>(), parts.data<scalar_t>(), atlas.size(0), atlas.size(1), S, false);
  });
}

void iuv_to_grid_forward(const Tensor& iuv, int64_t S, Tensor& grid, Tensor& fg) {
  const int64_t N = iuv.size(0), P = iuv.size(2) * iuv.size(3);
  DPT_DISPATCH_FLOAT(iuv.dtype(), {
    const scalar_t* pi = iuv.data<scalar_t>();  // [N, 3, H, W]
    scalar_t* pg = grid.data<scalar_t>();       // [N, H, W, 2]
    scalar_t* pf = fg.data<scalar_t>();         // [N, 1, H, W]
    parallel_for(N * P, 4096, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t n = i / P, p = i % P;
        const scalar_t* px = pi + n * 3 * P + p;
        const bool f = iuv_grid_point(px[0], px[P], px[2 * P], S, &pg[2 * i], &pg[2 * i + 1]);
        pf[i] = f ? scalar_t(1) : scalar_t(0);
      }
    });
  });
}

void encode_iuv_forward(const Tensor& iuv, bool onehot, Tensor& out) {
  const int64_t N = iuv.size(0), P = iuv.size(2) * iuv.size(3), Co = out.size(1);
  DPT_DISPATCH_FLOAT(iuv.dtype(), {
    const scalar_t* pi = iuv.data<scalar_t>();  // [N, 3, H, W]
    scalar_t* po = out.data<scalar_t>();        // [N, 3 or 26, H, W]
    parallel_for(N * P, 4096, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t n = i / P, p = i % P;
        const scalar_t* px = pi + n * 3 * P + p;
        scalar_t* o = po + n * Co * P + p;
        scalar_t e_i, e_u, e_v;
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
    });
  });
}

}  // namespace dpt::cpu
