// The SCA-GAN networks of docs/sca.md section 3 with its parameter names (so the reference's checkpoints
// load as they are): PCT-Net (3.1), IS-Net (3.2: style encoder, fc start, CS blocks with SPADE, decoder,
// conv_img) and the ResnetDiscriminator (3.3). Layers are registered in the reference's construction order.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "layers/batch_norm.h"
#include "layers/layers.h"

namespace dpt {

struct ScaConfig;

// A conv without bias (docs/sca.md *nobias*): weight [cout, cin, k, k] only. PyTorch default init from gen.
class BiaslessConv2d : public Module {
 public:
  BiaslessConv2d(int64_t cin, int64_t cout, int kernel, int stride, int padding, Generator& gen);
  Tensor forward(const Tensor& x) const;  // x [N, cin, H, W]
  Tensor weight;
  ConvParams params;
};

// A transposed conv without bias: weight [cin, cout, k, k] only.
class BiaslessConvTranspose2d : public Module {
 public:
  BiaslessConvTranspose2d(int64_t cin, int64_t cout, int kernel, int stride, int padding, int output_padding,
                          Generator& gen);
  Tensor forward(const Tensor& x) const;  // x [N, cin, H, W]
  Tensor weight;
  ConvParams params;
};

// ---------------------------------------------------------------------------------------- 3.1 PCT-Net
// down.{i}: .conv (zp 1, k3 s2, nb), .bn, ReLU.  up.{i}: .deconv (k3 s2 p1 op1, nb), .bn, ReLU.
struct PctDown : Module {
  PctDown(int64_t cin, int64_t cout, const ScaConfig& cfg, Generator& gen);
  Tensor forward(const Tensor& x) const;
  BiaslessConv2d conv;
  BatchNorm2d bn;
};
struct PctUp : Module {
  PctUp(int64_t cin, int64_t cout, const ScaConfig& cfg, Generator& gen);
  Tensor forward(const Tensor& x) const;
  BiaslessConvTranspose2d deconv;
  BatchNorm2d bn;
};
// res.{i}: x + bn2(conv2(rp1(ReLU(bn1(conv1(rp1(x))))))), convs k3 nb.
struct PctResBlock : Module {
  PctResBlock(int64_t c, const ScaConfig& cfg, Generator& gen);
  Tensor forward(const Tensor& x) const;
  BiaslessConv2d conv1;
  BatchNorm2d bn1;
  BiaslessConv2d conv2;
  BatchNorm2d bn2;
};

// cat(EP1 [1], BP2 [18], BEP2 [18]) [N, 37, H, W] -> fake_EP2 [N, 1, H, W] (tanh). BatchNorm follows the
// module's mode (train: batch statistics and one running-statistics update per forward; eval: running).
class PctNet : public Module {
 public:
  PctNet(const ScaConfig& cfg, Generator& gen);
  // res_out (optional): the output of the residual blocks [N, 4ngf, H/4, W/4].
  Tensor forward(const Tensor& x37, Tensor* res_out = nullptr) const;
  std::unique_ptr<BiaslessConv2d> in_conv;
  std::unique_ptr<BatchNorm2d> in_bn;
  std::vector<std::unique_ptr<PctDown>> down;
  std::vector<std::unique_ptr<PctResBlock>> res;
  std::vector<std::unique_ptr<PctUp>> up;
  std::unique_ptr<Conv2d> out_conv;
};

// ---------------------------------------------------------------------------------------- 3.2 IS-Net
// Style-encoder stage: ReLU(conv2(rp1(ReLU(conv1(rp(p) x))))) + ReLU(skip(rp(p) x)).
struct StyleStage : Module {
  StyleStage(int64_t cin, int64_t cout, int k, int s, int p, Generator& gen);
  Tensor forward(const Tensor& x) const;
  int pad;
  Conv2d conv1, conv2, skip;
};

// SPADE(x, cond) = IN(x) (1 + gamma(a)) + beta(a), a = ReLU(shared(nearest(cond -> size of x))).
struct Spade : Module {
  Spade(int64_t c, int64_t label_nc, int64_t hidden, Generator& gen);
  Tensor forward(const Tensor& x, const Tensor& cond) const;  // x [N, c, h, w], cond [N, label_nc, *, *]
  Conv2d shared, gamma, beta;
};

// Content-Style block (docs/sca.md section 3.2 "CS block"): edge branch + pose branch, no shortcut.
struct CsBlock : Module {
  CsBlock(int64_t fin, int64_t fout, int64_t style_nc, int64_t hidden, double content_weight, Generator& gen);
  // x [N, fin, h, w], style [N, 8nf, h5, w5], edge [N, 1, H, W], pose [N, 18, H, W] -> [N, fout, h, w].
  Tensor forward(const Tensor& x, const Tensor& style, const Tensor& edge, const Tensor& pose) const;
  double W;
  bool content_branch = true;  // false: the pose branch alone (ablation "no_content_branch")
  Conv2d conv_s1, conv_e1, conv_e2, conv_s2, conv_p1, conv_p2;
  Spade norm_s1, norm_e1, norm_e2, norm_s2, norm_p1, norm_p2;
};

// The decoder's blocks in order, and the level each is resized to first (-1: none; head_0 runs at s_5).
extern const char* const kIsnBlocks[7];  // head_0, G_middle_0, G_middle_1, up_0, up_1, up_2, up_3
extern const int kIsnBlockLevel[7];      // -1, 4, -1, 3, 2, 1, 0

// Every IS-Net activation the goldens store (phase2_isn "isn.*"), by the same names without "isn.".
struct IsnActivations {
  Tensor style;                         // [N, 8nf, s_5]
  Tensor fc_out;                        // [N, 8nf, s_5]
  std::map<std::string, Tensor> block;  // "head_0", "G_middle_0.in", "G_middle_0", ..., "up_3"
};

class IsNet : public Module {
 public:
  IsNet(const ScaConfig& cfg, Generator& gen);
  // P1 [N, 3, H, W] -> style map S [N, 8nf, s_5].
  Tensor style_encoder(const Tensor& P1) const;
  // z [N, z_dim] -> [N, 8nf, s_5].
  Tensor start(const Tensor& z) const;
  // LReLU, conv_img, tanh: x [N, nf, H, W] -> [N, 3, H, W].
  Tensor head(const Tensor& x) const;
  // (P1, fake_EP2 [N, 1, H, W], BP2 [N, 18, H, W], z) -> fake_P2 [N, 3, H, W]; acts: every activation.
  Tensor forward(const Tensor& P1, const Tensor& fake_EP2, const Tensor& BP2, const Tensor& z,
                 IsnActivations* acts = nullptr) const;
  CsBlock& block(int i) const { return *blocks[i]; }

  std::vector<std::pair<int64_t, int64_t>> sizes;  // s_0 .. s_5
  int64_t nf;
  std::vector<std::unique_ptr<StyleStage>> enc;
  std::unique_ptr<Linear> fc;
  std::vector<std::unique_ptr<CsBlock>> blocks;  // kIsnBlocks order
  std::unique_ptr<Conv2d> conv_img;
};

// ---------------------------------------------------------------------------------------- 3.3 D
// Where a discriminator's dropout masks come from (docs/sca.md section 5.4). Eval mode or p = 0: no dropout at all.
struct DropoutSource {
  const std::vector<Tensor>* masks = nullptr;  // one per residual block, [N, 4ndf, s_2], values 0/1
  Generator* gen = nullptr;                    // else drawn from here (required in train mode, p > 0)
};

struct DResBlock : Module {
  explicit DResBlock(int64_t c, Generator& gen);
  Tensor forward(const Tensor& x, double p, bool training, const Tensor* mask, Generator* gen,
                 bool fixed_weights) const;
  Conv2d conv1, conv2;
};

// x [N, cin, H, W] (image or edge first, then the condition) -> [N, 4ndf, s_2] feature map.
class ResnetDiscriminator : public Module {
 public:
  ResnetDiscriminator(int64_t cin, const ScaConfig& cfg, Generator& gen);
  // fixed_weights: the weights enter as constants (gradients reach x only), as inside the G loss.
  Tensor forward(const Tensor& x, const DropoutSource& drop, bool fixed_weights = false) const;
  double p;
  std::unique_ptr<Conv2d> in_conv;
  std::vector<std::unique_ptr<Conv2d>> down;
  std::vector<std::unique_ptr<DResBlock>> res;
};

// §3.4 for a generator (pct or isn): every conv / deconv / linear weight (dim >= 2) ~ N(0, std), BN weights
// (dim 1 "weight") ~ N(1, std); biases keep their default init (BN bias 0).
void init_generator_weights(Module& net, double std, Generator& gen);

}  // namespace dpt
