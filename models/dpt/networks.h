// The four trainable networks of docs/dpt.md section 4 (parameter names as there):
// PredictiveNet G_p (4.1), Inpainter (4.2), BlendingNet G_b (4.3), PatchDiscriminator D (4.4).
#pragma once
#include <memory>
#include <vector>

#include "layers/layers.h"

namespace dpt {

// Layers are created (and drawn from the Generator) in registration order, which is PyTorch's
// construction order; members are unique_ptrs so that this order is explicit.

// 4.1: x = cat(x_s, enc(iuv_s), enc(iuv_t)) [N, cin, H, W] (H, W divisible by 4) -> y_p [N, 3, H, W], tanh.
// c1, c2, c3 (stride 2, 2), res.{0..5} at 4ngf, d1, d2 (deconvs), out.
class PredictiveNet : public Module {
 public:
  PredictiveNet(int64_t ngf, int64_t cin, Generator& gen);
  Tensor forward(const Tensor& x) const;
  std::unique_ptr<Conv2d> c1, c2, c3;
  std::vector<std::unique_ptr<ResidualBlock>> res;
  std::unique_ptr<ConvTranspose2d> d1, d2;
  std::unique_ptr<Conv2d> out;
};

// c(j) = min(base * 2^j, max) for j = 0..L-1, L = log2(S/4); S must be a power of two >= 8.
std::vector<int64_t> inpaint_widths(int64_t S, int64_t base, int64_t max);

// 4.2: 24 part autoencoders as grouped convs (groups = 24) plus a global fusion embedding.
// forward(tex_s [N, 3, 6S, 4S], M_s [N, 1, 6S, 4S]) -> tex_hat [N, 3, 6S, 4S].
class Inpainter : public Module {
 public:
  Inpainter(int64_t S, int64_t base, int64_t max, int64_t emb, Generator& gen);
  Tensor forward(const Tensor& tex_s, const Tensor& M_s) const;
  // The same on an already untiled input [N, 24*4, S, S]; returns the untiled output [N, 24*3, S, S].
  // Takes the input by value so that inference can release it early (Note [activation lifetimes]).
  Tensor forward_parts(Tensor parts) const;
  int64_t S, ce, emb;
  // Recompute the full-resolution decoder level (its transposed conv, IN, ReLU, the output conv and
  // tanh) in backward instead of keeping its activations (Note [recompute] in core/recompute.h): ~400 MB
  // per sample at the paper size (a batch-1 blending step's allocator peak 2.63 -> 2.42 GB), gradients
  // bitwise the same, one more forward pass of that level. Off by default.
  bool recompute_decoder = false;
  std::vector<std::unique_ptr<Conv2d>> enc;
  std::unique_ptr<Linear> fuse1, fuse2;
  std::vector<std::unique_ptr<ConvTranspose2d>> dec;
  std::unique_ptr<Conv2d> out;
};

// 4.3: x = cat(y_p, y_w, m_w, enc(iuv_t)) [N, cin, H, W] -> residual r [N, 3, H, W] (no activation).
class BlendingNet : public Module {
 public:
  BlendingNet(int64_t ngf, int64_t cin, Generator& gen);
  Tensor forward(const Tensor& x) const;
  std::unique_ptr<Conv2d> c1;
  std::vector<std::unique_ptr<ResidualBlock>> res;
  std::unique_ptr<Conv2d> out;
};

// 4.4: x = cat(x_s, enc(iuv_t), y) [N, cin, H, W] (H, W divisible by 8, >= 24) -> [N, 1, H/8-2, W/8-2].
// fixed_weights: D as a constant function (gradients flow to x only), as inside the generator's L_G.
class PatchDiscriminator : public Module {
 public:
  PatchDiscriminator(int64_t ndf, int64_t cin, Generator& gen);
  Tensor forward(const Tensor& x, bool fixed_weights = false) const;
  std::unique_ptr<Conv2d> c0, c1, c2, c3, c4;
};

}  // namespace dpt
