// DensePoseTransfer: the four networks of docs/dpt.md section 4 under one parameter tree
// (pred.*, inpaint.*, blend.*, disc.*) and the generator forward pass with every intermediate.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/dpt/config.h"
#include "models/dpt/networks.h"

namespace dpt {

// Every section-4 intermediate of one generator forward (the reference's generator_forward dict).
struct GeneratorOutputs {
  Tensor enc_s, enc_t;  // [N, enc_ch, H, W] pose encodings
  Tensor y_p;           // [N, 3, H, W] predictive module output
  Tensor tex_s, M_s;    // [N, 3, 6S, 4S], [N, 1, 6S, 4S] source splat and its visibility
  Tensor tex_hat;       // [N, 3, 6S, 4S] inpainter output
  Tensor tex_full;      // [N, 3, 6S, 4S] M_s tex_s + (1 - M_s) tex_hat
  Tensor y_w, m_w;      // [N, 3, H, W], [N, 1, H, W] warped atlas and the target's foreground
  Tensor r;             // [N, 3, H, W] blending residual
  Tensor y_hat;         // [N, 3, H, W] = y_p + r
};

// The inference-time variants of the paper's Table 3 ablation (tools/dpt-ablate), each [N, 3, H, W].
struct AblationOutputs {
  Tensor full;        // y_hat: predictive + warping (with inpainting) + blending
  Tensor no_inpaint;  // y_hat with the inpainter bypassed (tex_full = the observed texels only)
  Tensor predictive;  // y_p: the predictive module alone
  Tensor warp_only;   // y_w without inpainting: the observed texels warped to the target (background 0)
  Tensor source;      // x_s itself (baseline)
  // (variant name, output) in the order above; the names are dpt-ablate's folder names.
  std::vector<std::pair<std::string, Tensor>> named() const;
};

class DensePoseTransfer : public Module {
 public:
  // Random PyTorch-default weights drawn from `gen` in the order pred, inpaint, blend, disc.
  // with_disc = false leaves out D (inference needs only the generator). Validates cfg.
  DensePoseTransfer(const Config& cfg, Generator& gen, bool with_disc = true);

  // x_s [N, 3, H, W] in [-1, 1], iuv_s / iuv_t [N, 3, H, W] holding (I, U, V); H, W divisible by 4.
  GeneratorOutputs generator_forward(const Tensor& x_s, const Tensor& iuv_s, const Tensor& iuv_t) const;
  // Every AblationOutputs variant from one generator forward plus one blending pass on the observed
  // texels (same inputs as generator_forward). The variants share these weights (the paper retrains each).
  AblationOutputs ablation_forward(const Tensor& x_s, const Tensor& iuv_s, const Tensor& iuv_t) const;
  // D(cat(x_s, enc_t, y)) [N, 1, H/8-2, W/8-2]; fixed_weights: D's weights as constants.
  Tensor disc_forward(const Tensor& x_s, const Tensor& enc_t, const Tensor& y, bool fixed_weights = false) const;

  std::vector<Tensor> generator_parameters() const;  // pred + inpaint + blend
  std::vector<std::pair<std::string, Tensor>> named_generator_parameters() const;
  bool has_disc() const { return disc != nullptr; }

  Config cfg;
  std::unique_ptr<PredictiveNet> pred;
  std::unique_ptr<Inpainter> inpaint;
  std::unique_ptr<BlendingNet> blend;
  std::unique_ptr<PatchDiscriminator> disc;  // null when built without D
};

}  // namespace dpt
