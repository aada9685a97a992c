// The contextual loss CX of SCA-GAN (docs/sca.md section 4, Mechrez et al.'s code) as one fused op:
//   mu = mean of T over batch and positions per channel; T <- T - mu, I <- I - mu; every position's channel
//   vector divided by its L2 norm (no epsilon); cos[n, j, i] = <T_n(:, j), I_n(:, i)> (j target positions,
//   i generated ones; a batched GEMM); d = (1 - cos) / 2; dt = d / (min_j d + eps) per i;
//   w = exp((b - dt) / sigma); cx = w / sum_j w per i; L = mean_n -log(mean_j max_i cx[n, j, i]).
// Ties: the minimum over j and the maximum over i take the first index (the gradient goes there).
// Note [CX numerics]: column sums, the channel mean and the norms are taken in double; w is evaluated in
// double from the stored (scalar_t) distance. The division by min d + eps amplifies the rounding of
// 1 - cos where a generated vector nearly coincides with a target one (docs/sca.md Note [CX conditioning]).
// Memory: the distance matrix [N, PT, PI] is kept for the backward, which allocates one more of its size
// (relu3_2 at 256x176, batch 3: 2816 x 2816 positions, 95 MB each in float32).
#pragma once
#include "core/tensor.h"

namespace dpt {

struct CxParams {
  double sigma = 0.5;  // cx_sigma
  double b = 1.0;      // cx_b
  double eps = 1e-5;   // added to min_j d
};

// featT [N, C, HT, WT] (target features: a constant, must not require grad), featI [N, C, HI, WI]
// (generated) -> 0-d loss, differentiable in featI.
Tensor contextual_loss(const Tensor& featT, const Tensor& featI, const CxParams& p = CxParams());

// What the forward kernel writes and the backward reads (allocated by the wrapper; scalar_t = featI's
// dtype, f64 = float64; PT = HT WT, PI = HI WI).
struct CxSaved {
  Tensor Tn;        // [N, C, PT] scalar_t: centred, unit-norm target vectors
  Tensor In;        // [N, C, PI] scalar_t: centred, unit-norm generated vectors
  Tensor rnormI;    // [N, PI] f64: 1 / ||I(:, i) - mu||
  Tensor d;         // [N, PT, PI] scalar_t: (1 - cos) / 2
  Tensor colstats;  // [N, PI, 3] f64 per generated i: min_j d, its first j, sum_j w
  Tensor rowstats;  // [N, PT, 2] f64 per target j: max_i cx, its first i
  Tensor meanmax;   // [N] f64: mean_j max_i cx
};

// Kernels: T [N, C, PT], I [N, C, PI] contiguous; loss 0-d (scalar_t); g the loss's cotangent (0-d,
// scalar_t, on the device); dI [N, C, PI].
namespace cpu {
void contextual_loss_forward(const Tensor& T, const Tensor& I, const CxParams& p, CxSaved& s, Tensor& loss);
void contextual_loss_backward(const CxSaved& s, const Tensor& g, const CxParams& p, Tensor& dI);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void contextual_loss_forward(const Tensor& T, const Tensor& I, const CxParams& p, CxSaved& s, Tensor& loss);
void contextual_loss_backward(const CxSaved& s, const Tensor& g, const CxParams& p, Tensor& dI);
}  // namespace cuda
#endif

}  // namespace dpt
