// PredictiveNet, Inpainter, BlendingNet, PatchDiscriminator (docs/dpt.md sections 4.1-4.4; the reference's
// classes of the same names).
#include "models/dpt/networks.h"

#include <algorithm>
#include <string>

#include "core/recompute.h"
#include "models/dpt/warping.h"
#include "ops/atlas.h"
#include "ops/elementwise.h"
#include "ops/instance_norm.h"
#include "ops/reduce.h"

namespace dpt {

namespace {
constexpr double kLReluSlope = 0.2;

// Note [activation lifetimes]
// act(IN(layer(x))) written as one expression keeps the conv output, the IN output and the result alive
// together (C++ temporaries live to the end of the full expression), and the caller's x as well. At the
// paper size the inpainter's last decoder level is [1, 768, 256, 256] (201 MB), so in inference the
// steps below take x by value, drop each input as soon as its successor exists, and the networks move
// their activations in: the peak is two such maps instead of four. With autograd on, the graph keeps
// what backward needs anyway, so nothing changes there.
template <class Layer>
Tensor layer_in_relu(const Layer& layer, Tensor x) {
  Tensor h = layer.forward(x);
  x = Tensor();
  h = instance_norm(h);
  return relu(h);
}
}  // namespace

// ---------------------------------------------------------------------------------------- 4.1 G_p
PredictiveNet::PredictiveNet(int64_t ngf, int64_t cin, Generator& gen) {
  c1 = std::make_unique<Conv2d>(cin, ngf, 3, 1, 1, gen);
  c2 = std::make_unique<Conv2d>(ngf, 2 * ngf, 3, 2, 1, gen);
  c3 = std::make_unique<Conv2d>(2 * ngf, 4 * ngf, 3, 2, 1, gen);
  register_module("c1", c1.get());
  register_module("c2", c2.get());
  register_module("c3", c3.get());
  for (int i = 0; i < 6; ++i) {
    res.push_back(std::make_unique<ResidualBlock>(4 * ngf, gen));
    register_module("res." + std::to_string(i), res.back().get());
  }
  d1 = std::make_unique<ConvTranspose2d>(4 * ngf, 2 * ngf, 3, 2, 1, 1, gen);
  d2 = std::make_unique<ConvTranspose2d>(2 * ngf, ngf, 3, 2, 1, 1, gen);
  out = std::make_unique<Conv2d>(ngf, 3, 3, 1, 1, gen);
  register_module("d1", d1.get());
  register_module("d2", d2.get());
  register_module("out", out.get());
}

Tensor PredictiveNet::forward(const Tensor& x) const {
  DPT_CHECK(x.dim() == 4 && x.size(1) == c1->weight.size(1) && x.size(2) % 4 == 0 && x.size(3) % 4 == 0,
            "PredictiveNet: input must be [N, " << c1->weight.size(1) << ", H, W] with H, W divisible by 4, got "
                                                << x.shape_str());
  Tensor h = layer_in_relu(*c1, x);
  h = layer_in_relu(*c2, std::move(h));
  h = layer_in_relu(*c3, std::move(h));
  for (const auto& b : res) h = b->forward(h);
  h = layer_in_relu(*d1, std::move(h));
  h = layer_in_relu(*d2, std::move(h));
  h = out->forward(h);
  return tanh(h);
}

// ---------------------------------------------------------------------------------------- 4.2 inpainter
std::vector<int64_t> inpaint_widths(int64_t S, int64_t base, int64_t max) {
  DPT_CHECK(S >= 8 && (S & (S - 1)) == 0, "Inpainter: S must be a power of two >= 8, got " << S);
  std::vector<int64_t> c;
  for (int64_t s = S, w = base; s > 4; s /= 2, w *= 2) c.push_back(std::min(w, max));
  return c;
}

Inpainter::Inpainter(int64_t S_, int64_t base, int64_t max, int64_t emb_, Generator& gen) : S(S_), emb(emb_) {
  const std::vector<int64_t> c = inpaint_widths(S, base, max);
  const int64_t L = static_cast<int64_t>(c.size()), P = kParts;
  ce = c.back();
  int64_t cin = 4;
  for (int64_t j = 0; j < L; ++j) {
    enc.push_back(std::make_unique<Conv2d>(P * cin, P * c[j], 3, 2, 1, gen, P));
    register_module("enc." + std::to_string(j), enc.back().get());
    cin = c[j];
  }
  fuse1 = std::make_unique<Linear>(P * ce * 16, emb, gen);
  fuse2 = std::make_unique<Linear>(emb, emb, gen);
  register_module("fuse1", fuse1.get());
  register_module("fuse2", fuse2.get());
  cin = ce + emb;
  for (int64_t j = 0; j < L; ++j) {
    const int64_t cout = c[L - 1 - j];
    dec.push_back(std::make_unique<ConvTranspose2d>(P * cin, P * cout, 3, 2, 1, 1, gen, P));
    register_module("dec." + std::to_string(j), dec.back().get());
    cin = cout;
  }
  out = std::make_unique<Conv2d>(P * c[0], P * 3, 3, 1, 1, gen, P);
  register_module("out", out.get());
}

Tensor Inpainter::forward_parts(Tensor parts) const {
  DPT_CHECK(parts.dim() == 4 && parts.size(1) == kParts * 4 && parts.size(2) == S && parts.size(3) == S,
            "Inpainter: untiled input must be [N, 96, " << S << ", " << S << "], got " << parts.shape_str());
  const int64_t N = parts.size(0);
  Tensor x = std::move(parts);
  for (const auto& layer : enc) x = layer_in_relu(*layer, std::move(x));
  const Tensor E = x;  // [N, 24*Ce, 4, 4]
  Tensor h = relu(fuse1->forward(E.reshape({N, kParts * ce * 16})));
  h = instance_norm(h.reshape({N, 1, emb})).reshape({N, emb});  // per-sample normalisation of the fusion vector
  const Tensor G = fuse2->forward(h);                           // [N, emb]
  // G broadcast to every part's 4x4 grid, appended to that part's channels (part-major layout).
  const Tensor Gb = G.reshape({N, 1, emb, 1, 1}) * Tensor::ones({1, kParts, 1, 4, 4}, G.dtype(), G.device());
  x = cat({E.reshape({N, kParts, ce, 4, 4}), Gb}, 2).reshape({N, kParts * (ce + emb), 4, 4});
  for (size_t j = 0; j + 1 < dec.size(); ++j) x = layer_in_relu(*dec[j], std::move(x));
  const SegmentFn full_res = [this](std::vector<Tensor> in) {
    Tensor h = layer_in_relu(*dec.back(), std::move(in[0]));
    h = out->forward(h);
    return tanh(h);  // [N, 24*3, S, S]
  };
  std::vector<Tensor> in;  // not an initializer list, which would hold x to the end of the expression
  in.push_back(std::move(x));
  if (!recompute_decoder) return full_res(std::move(in));
  return checkpoint("inpainter_full_res", full_res, std::move(in),
                    {dec.back()->weight, dec.back()->bias, out->weight, out->bias});
}

Tensor Inpainter::forward(const Tensor& tex_s, const Tensor& M_s) const {
  DPT_CHECK(tex_s.dim() == 4 && tex_s.size(1) == 3 && tex_s.size(2) == 6 * S && tex_s.size(3) == 4 * S,
            "Inpainter: tex_s must be [N, 3, " << 6 * S << ", " << 4 * S << "] (S = " << S << "), got "
                                               << tex_s.shape_str());
  DPT_CHECK(M_s.dim() == 4 && M_s.size(0) == tex_s.size(0) && M_s.size(1) == 1 && M_s.size(2) == 6 * S &&
                M_s.size(3) == 4 * S,
            "Inpainter: M_s must be [N, 1, " << 6 * S << ", " << 4 * S << "], got " << M_s.shape_str());
  Tensor parts = inpainter_input(tex_s, M_s);
  parts = forward_parts(std::move(parts));
  return tile(parts);
}

// ---------------------------------------------------------------------------------------- 4.3 G_b
BlendingNet::BlendingNet(int64_t ngf, int64_t cin, Generator& gen) {
  c1 = std::make_unique<Conv2d>(cin, ngf, 3, 1, 1, gen);
  register_module("c1", c1.get());
  for (int i = 0; i < 3; ++i) {
    res.push_back(std::make_unique<ResidualBlock>(ngf, gen));
    register_module("res." + std::to_string(i), res.back().get());
  }
  out = std::make_unique<Conv2d>(ngf, 3, 3, 1, 1, gen);
  register_module("out", out.get());
}

Tensor BlendingNet::forward(const Tensor& x) const {
  DPT_CHECK(x.dim() == 4 && x.size(1) == c1->weight.size(1),
            "BlendingNet: input must be [N, " << c1->weight.size(1) << ", H, W], got " << x.shape_str());
  Tensor h = layer_in_relu(*c1, x);
  for (const auto& b : res) h = b->forward(h);
  return out->forward(h);
}

// ---------------------------------------------------------------------------------------- 4.4 D
PatchDiscriminator::PatchDiscriminator(int64_t ndf, int64_t cin, Generator& gen) {
  c0 = std::make_unique<Conv2d>(cin, ndf, 4, 2, 1, gen);
  c1 = std::make_unique<Conv2d>(ndf, 2 * ndf, 4, 2, 1, gen);
  c2 = std::make_unique<Conv2d>(2 * ndf, 4 * ndf, 4, 2, 1, gen);
  c3 = std::make_unique<Conv2d>(4 * ndf, 8 * ndf, 4, 1, 1, gen);
  c4 = std::make_unique<Conv2d>(8 * ndf, 1, 4, 1, 1, gen);
  register_module("c0", c0.get());
  register_module("c1", c1.get());
  register_module("c2", c2.get());
  register_module("c3", c3.get());
  register_module("c4", c4.get());
}

Tensor PatchDiscriminator::forward(const Tensor& x, bool fixed_weights) const {
  DPT_CHECK(x.dim() == 4 && x.size(1) == c0->weight.size(1) && x.size(2) >= 24 && x.size(3) >= 24,
            "PatchDiscriminator: input must be [N, " << c0->weight.size(1) << ", H, W] with H, W >= 24, got "
                                                     << x.shape_str());
  const bool k = fixed_weights;
  Tensor h = leaky_relu(c0->forward(x, k), kLReluSlope);
  for (const Conv2d* c : {c1.get(), c2.get(), c3.get()}) {
    Tensor a = c->forward(h, k);
    h = Tensor();
    a = instance_norm(a);
    h = leaky_relu(a, kLReluSlope);
  }
  return c4->forward(h, k);
}

}  // namespace dpt
