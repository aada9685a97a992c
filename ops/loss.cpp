// The losses of docs/dpt.md section 5, composed from differentiable ops (Note: masks are data).
#include "ops/loss.h"

#include <algorithm>

#include "core/autograd.h"
#include "ops/elementwise.h"
#include "ops/gram.h"
#include "ops/reduce.h"

namespace dpt {

namespace {
void check_same(const char* op, const Tensor& a, const Tensor& b) {
  DPT_CHECK(a.shape() == b.shape(), op << ": shapes " << a.shape_str() << " and " << b.shape_str() << " differ");
}
}  // namespace

Tensor l1_loss(const Tensor& a, const Tensor& b) {
  check_same("l1_loss", a, b);
  return mean(abs(a - b));
}

Tensor mse_loss(const Tensor& a, const Tensor& b) {
  check_same("mse_loss", a, b);
  return mean(square(a - b));
}

Tensor lsgan_d_loss(const Tensor& d_real, const Tensor& d_fake) {
  return 0.5 * mean(square(d_real - 1.0)) + 0.5 * mean(square(d_fake));
}

Tensor lsgan_g_loss(const Tensor& d_fake) { return 0.5 * mean(square(d_fake - 1.0)); }

Tensor masked_l1(const Tensor& tex_hat, const Tensor& tex, const Tensor& M) {
  check_same("masked_l1", tex_hat, tex);
  DPT_CHECK(M.dim() == tex.dim() && M.size(1) == 1, "masked_l1: mask must be [N, 1, ...], got " << M.shape_str()
                                                                                                << " for " << tex.shape_str());
  double visible = 0;
  {
    NoGradGuard ng;
    visible = sum(M).item() * static_cast<double>(tex.size(1));
  }
  return sum(abs(mul(M.detach(), tex_hat - tex.detach()))) * (1.0 / std::max(visible, 1.0));
}

Tensor inpainting_loss(const Tensor& tex_hat, const std::vector<Tensor>& texs, const std::vector<Tensor>& Ms) {
  DPT_CHECK(!texs.empty() && texs.size() == Ms.size(),
            "inpainting_loss: " << texs.size() << " textures and " << Ms.size() << " masks");
  Tensor total = masked_l1(tex_hat, texs[0], Ms[0]);
  for (size_t b = 1; b < texs.size(); ++b) total = total + masked_l1(tex_hat, texs[b], Ms[b]);
  return total;
}

Tensor style_term(const Tensor& f_hat, const Tensor& f) {
  check_same("style_term", f_hat, f);
  return sum(square(gram(f_hat) - gram(f))) * (1.0 / static_cast<double>(f_hat.size(0)));
}

}  // namespace dpt
