// CPU kernel of bep2 (Note [BEP2] in ops/bep2_math.h): the windows once per (image, joint), then the
// plate rows; one task per (image, joint).
#include "core/threading.h"
#include "ops/bep2.h"

namespace dpt::cpu {

void bep2_forward(const Tensor& edge, const Tensor& kp_src, const Tensor& kp_tgt, const Bep2Params& p, bool plates,
                  Tensor& out) {
  const int64_t N = out.size(0), J = out.size(1), H = out.size(2), W = out.size(3);
  DPT_DISPATCH_FLOAT(out.dtype(), {
    const scalar_t* e = edge.data<scalar_t>();  // [N, 1, H, W]
    const scalar_t* ks = kp_src.data<scalar_t>();  // [N, J, 2]
    const scalar_t* kt = kp_tgt.data<scalar_t>();  // [N, J, 2]
    scalar_t* o = out.data<scalar_t>();            // [N, J, H, W]
    parallel_for(N * J, 1, [&](int64_t begin, int64_t end) {
      for (int64_t nj = begin; nj < end; ++nj) {
        const Bep2Window w = bep2_window(ks[2 * nj], ks[2 * nj + 1], kt[2 * nj], kt[2 * nj + 1], H, W, p);
        const scalar_t* en = e + (nj / J) * H * W;
        scalar_t* on = o + nj * H * W;
        for (int64_t r = 0; r < H; ++r)
          for (int64_t c = 0; c < W; ++c) {
            const double plate = bep2_plate(w, en, W, r, c);
            on[r * W + c] = static_cast<scalar_t>(plates ? plate : bep2_value(plate));
          }
      }
    });
  });
}

}  // namespace dpt::cpu
