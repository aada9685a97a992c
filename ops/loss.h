// Losses of docs/dpt.md section 5 that are single ops: all return 0-d tensors.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace dpt {

Tensor l1_loss(const Tensor& a, const Tensor& b);   // mean |a - b|
Tensor mse_loss(const Tensor& a, const Tensor& b);  // mean (a - b)^2
Tensor lsgan_d_loss(const Tensor& d_real, const Tensor& d_fake);  // ½mean((r-1)²) + ½mean(f²)
Tensor lsgan_g_loss(const Tensor& d_fake);                        // ½mean((f-1)²)
// One view: sum |M (tex_hat - tex)| / max(C sum M, 1); M [N,1,...] broadcasts over C. Grad to tex_hat.
Tensor masked_l1(const Tensor& tex_hat, const Tensor& tex, const Tensor& M);
// Sum over views of masked_l1.
Tensor inpainting_loss(const Tensor& tex_hat, const std::vector<Tensor>& texs, const std::vector<Tensor>& Ms);
// One style layer: sum_ij (Gram(f_hat) - Gram(f))^2 / N.
Tensor style_term(const Tensor& f_hat, const Tensor& f);

}  // namespace dpt
