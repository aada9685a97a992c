// Autograd wrappers and argument checks of the atlas ops (kernels in ops/cpu/atlas.cpp): tile / untile
// are differentiable permutations (each the other's backward); iuv_to_grid and encode_iuv take data.
#include "ops/atlas.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

namespace {
void check_iuv(const Tensor& iuv, const char* op) {
  DPT_CHECK(iuv.dim() == 4 && iuv.size(1) == 3, op << ": iuv must be [N, 3, H, W] (I, U, V), got " << iuv.shape_str());
}
}  // namespace

Tensor untile(const Tensor& atlas) {
  DPT_CHECK(atlas.dim() == 4 && atlas.size(2) % kAtlasRows == 0 && atlas.size(3) % kAtlasCols == 0 &&
                atlas.size(2) / kAtlasRows == atlas.size(3) / kAtlasCols && atlas.size(2) > 0,
            "untile: atlas must be [N, C, 6S, 4S], got " << atlas.shape_str());
  const int64_t N = atlas.size(0), C = atlas.size(1), S = atlas.size(2) / kAtlasRows;
  Tensor as = atlas.contiguous().detach();
  Tensor out = Tensor::empty({N, kParts * C, S, S}, atlas.dtype(), atlas.device());
  DPT_DISPATCH(atlas.device(), untile_forward, as, out);
  Shape atlas_shape = atlas.shape();
  return make_result(out, "untile", {atlas}, [atlas_shape](const Tensor& g) {
    Tensor ga = Tensor::empty(atlas_shape, g.dtype(), g.device());
    DPT_DISPATCH(g.device(), tile_forward, g.contiguous(), ga);
    return std::vector<Tensor>{ga};
  });
}

Tensor tile(const Tensor& parts) {
  DPT_CHECK(parts.dim() == 4 && parts.size(1) % kParts == 0 && parts.size(2) == parts.size(3) && parts.size(2) > 0,
            "tile: parts must be [N, 24C, S, S], got " << parts.shape_str());
  const int64_t N = parts.size(0), C = parts.size(1) / kParts, S = parts.size(2);
  Tensor ps = parts.contiguous().detach();
  Tensor out = Tensor::empty({N, C, kAtlasRows * S, kAtlasCols * S}, parts.dtype(), parts.device());
  DPT_DISPATCH(parts.device(), tile_forward, ps, out);
  Shape parts_shape = parts.shape();
  return make_result(out, "tile", {parts}, [parts_shape](const Tensor& g) {
    Tensor gp = Tensor::empty(parts_shape, g.dtype(), g.device());
    DPT_DISPATCH(g.device(), untile_forward, g.contiguous(), gp);
    return std::vector<Tensor>{gp};
  });
}

UVGrid iuv_to_grid(const Tensor& iuv, int64_t S) {
  check_iuv(iuv, "iuv_to_grid");
  DPT_CHECK(S >= 1, "iuv_to_grid: tile size S must be >= 1, got " << S);
  const int64_t N = iuv.size(0), H = iuv.size(2), W = iuv.size(3);
  Tensor is = iuv.contiguous().detach();
  UVGrid r;
  r.grid = Tensor::empty({N, H, W, 2}, iuv.dtype(), iuv.device());
  r.fg = Tensor::empty({N, 1, H, W}, iuv.dtype(), iuv.device());
  DPT_DISPATCH(iuv.device(), iuv_to_grid_forward, is, S, r.grid, r.fg);
  return r;
}

Tensor encode_iuv(const Tensor& iuv, bool onehot) {
  check_iuv(iuv, "encode_iuv");
  Tensor is = iuv.contiguous().detach();
  Tensor out = Tensor::empty({iuv.size(0), onehot ? kParts + 2 : 3, iuv.size(2), iuv.size(3)}, iuv.dtype(),
                             iuv.device());
  DPT_DISPATCH(iuv.device(), encode_iuv_forward, is, onehot, out);
  return out;
}

}  // namespace dpt
