// PCT-Net, IS-Net and the ResnetDiscriminator (docs/sca.md sections 3.1-3.3; the reference's PCTNet, ISNet, ResnetD).
#include "models/sca/networks.h"

#include <algorithm>

#include "models/sca/config.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/instance_norm.h"
#include "ops/interpolate.h"
#include "ops/pad.h"

namespace dpt {

namespace {
constexpr double kLReluSlope = 0.2;

Tensor init_weight(const Shape& shape, int64_t fan_in, Generator& gen) {
  Tensor t = Tensor::empty(shape);
  if (&gen != &uninitialized()) default_init_(t, fan_in, gen);
  return t;
}

std::string idx(const char* name, size_t i) { return std::string(name) + "." + std::to_string(i); }
}  // namespace

BiaslessConv2d::BiaslessConv2d(int64_t cin, int64_t cout, int kernel, int stride, int padding, Generator& gen) {
  DPT_CHECK(cin > 0 && cout > 0 && kernel > 0, "BiaslessConv2d: bad sizes cin " << cin << ", cout " << cout);
  weight = init_weight({cout, cin, kernel, kernel}, cin * kernel * kernel, gen);
  params.stride = stride;
  params.padding = padding;
  register_parameter("weight", &weight);
}

Tensor BiaslessConv2d::forward(const Tensor& x) const { return conv2d(x, weight, Tensor(), params); }

BiaslessConvTranspose2d::BiaslessConvTranspose2d(int64_t cin, int64_t cout, int kernel, int stride, int padding,
                                                 int output_padding, Generator& gen) {
  DPT_CHECK(cin > 0 && cout > 0 && kernel > 0, "BiaslessConvTranspose2d: bad sizes cin " << cin << ", cout " << cout);
  weight = init_weight({cin, cout, kernel, kernel}, cout * kernel * kernel, gen);
  params.stride = stride;
  params.padding = padding;
  params.output_padding = output_padding;
  register_parameter("weight", &weight);
}

Tensor BiaslessConvTranspose2d::forward(const Tensor& x) const {
  return conv_transpose2d(x, weight, Tensor(), params);
}

// ---------------------------------------------------------------------------------------- 3.1 PCT-Net
PctDown::PctDown(int64_t cin, int64_t cout, const ScaConfig& cfg, Generator& gen)
    : conv(cin, cout, 3, 2, 1, gen), bn(cout, cfg.bn_eps, cfg.bn_momentum) {
  register_module("conv", &conv);
  register_module("bn", &bn);
}
Tensor PctDown::forward(const Tensor& x) const { return relu(bn.forward(conv.forward(x))); }

PctUp::PctUp(int64_t cin, int64_t cout, const ScaConfig& cfg, Generator& gen)
    : deconv(cin, cout, 3, 2, 1, 1, gen), bn(cout, cfg.bn_eps, cfg.bn_momentum) {
  register_module("deconv", &deconv);
  register_module("bn", &bn);
}
Tensor PctUp::forward(const Tensor& x) const { return relu(bn.forward(deconv.forward(x))); }

PctResBlock::PctResBlock(int64_t c, const ScaConfig& cfg, Generator& gen)
    : conv1(c, c, 3, 1, 0, gen), bn1(c, cfg.bn_eps, cfg.bn_momentum), conv2(c, c, 3, 1, 0, gen),
      bn2(c, cfg.bn_eps, cfg.bn_momentum) {
  register_module("conv1", &conv1);
  register_module("bn1", &bn1);
  register_module("conv2", &conv2);
  register_module("bn2", &bn2);
}
Tensor PctResBlock::forward(const Tensor& x) const {
  Tensor h = relu(bn1.forward(conv1.forward(reflection_pad2d(x, 1))));
  h = bn2.forward(conv2.forward(reflection_pad2d(h, 1)));
  return x + h;
}

PctNet::PctNet(const ScaConfig& cfg, Generator& gen) {
  const int64_t ngf = cfg.pct_ngf;
  in_conv = std::make_unique<BiaslessConv2d>(1 + 2 * 18, ngf, 7, 1, 0, gen);
  in_bn = std::make_unique<BatchNorm2d>(ngf, cfg.bn_eps, cfg.bn_momentum);
  register_module("in_conv", in_conv.get());
  register_module("in_bn", in_bn.get());
  for (int i = 0; i < 2; ++i) {
    down.push_back(std::make_unique<PctDown>(ngf << i, ngf << (i + 1), cfg, gen));
    register_module(idx("down", i), down.back().get());
  }
  for (int64_t i = 0; i < cfg.pct_blocks; ++i) {
    res.push_back(std::make_unique<PctResBlock>(4 * ngf, cfg, gen));
    register_module(idx("res", i), res.back().get());
  }
  for (int i = 0; i < 2; ++i) {
    up.push_back(std::make_unique<PctUp>(ngf << (2 - i), ngf << (1 - i), cfg, gen));
    register_module(idx("up", i), up.back().get());
  }
  out_conv = std::make_unique<Conv2d>(ngf, 1, 7, 1, 0, gen);
  register_module("out_conv", out_conv.get());
}

Tensor PctNet::forward(const Tensor& x, Tensor* res_out) const {
  DPT_CHECK(x.dim() == 4 && x.size(1) == 37 && x.size(2) % 4 == 0 && x.size(3) % 4 == 0,
            "PctNet: input must be cat(EP1, BP2, BEP2) [N, 37, H, W] with H, W divisible by 4, got " << x.shape_str());
  Tensor h = relu(in_bn->forward(in_conv->forward(reflection_pad2d(x, 3))));
  for (const auto& d : down) h = d->forward(h);
  for (const auto& b : res) h = b->forward(h);
  if (res_out) *res_out = h;
  for (const auto& u : up) h = u->forward(h);
  return tanh(out_conv->forward(reflection_pad2d(h, 3)));
}

// ---------------------------------------------------------------------------------------- 3.2 IS-Net
StyleStage::StyleStage(int64_t cin, int64_t cout, int k, int s, int p, Generator& gen)
    : pad(p), conv1(cin, std::max(cin, cout), k, s, 0, gen), conv2(std::max(cin, cout), cout, 3, 1, 0, gen),
      skip(cin, cout, k, s, 0, gen) {
  register_module("conv1", &conv1);
  register_module("conv2", &conv2);
  register_module("skip", &skip);
}

Tensor StyleStage::forward(const Tensor& x) const {
  const Tensor xp = reflection_pad2d(x, pad);
  Tensor h = relu(conv1.forward(xp));
  h = relu(conv2.forward(reflection_pad2d(h, 1)));
  return h + relu(skip.forward(xp));
}

Spade::Spade(int64_t c, int64_t label_nc, int64_t hidden, Generator& gen)
    : shared(label_nc, hidden, 3, 1, 1, gen), gamma(hidden, c, 3, 1, 1, gen), beta(hidden, c, 3, 1, 1, gen) {
  register_module("shared", &shared);
  register_module("gamma", &gamma);
  register_module("beta", &beta);
}

Tensor Spade::forward(const Tensor& x, const Tensor& cond) const {
  const Tensor c = interpolate(cond, x.size(2), x.size(3), InterpMode::Nearest);
  const Tensor a = relu(shared.forward(c));
  return instance_norm(x) * (gamma.forward(a) + 1.0) + beta.forward(a);
}

CsBlock::CsBlock(int64_t fin, int64_t fout, int64_t style_nc, int64_t hidden, double content_weight, Generator& gen)
    : W(content_weight),
      conv_s1(fin, std::min(fin, fout), 3, 1, 1, gen),
      conv_e1(std::min(fin, fout), std::min(fin, fout), 3, 1, 1, gen),
      conv_e2(std::min(fin, fout), fout, 3, 1, 1, gen),
      conv_s2(fin, std::min(fin, fout), 3, 1, 1, gen),
      conv_p1(std::min(fin, fout), std::min(fin, fout), 3, 1, 1, gen),
      conv_p2(std::min(fin, fout), fout, 3, 1, 1, gen),
      norm_s1(fin, style_nc, hidden, gen),
      norm_e1(std::min(fin, fout), 1, hidden, gen),
      norm_e2(std::min(fin, fout), 1, hidden, gen),
      norm_s2(fin, style_nc, hidden, gen),
      norm_p1(std::min(fin, fout), 18, hidden, gen),
      norm_p2(std::min(fin, fout), 18, hidden, gen) {
  // Registration order = the reference's attribute order (its state_dict order).
  register_module("conv_s1", &conv_s1);
  register_module("conv_e1", &conv_e1);
  register_module("conv_e2", &conv_e2);
  register_module("conv_s2", &conv_s2);
  register_module("conv_p1", &conv_p1);
  register_module("conv_p2", &conv_p2);
  register_module("norm_s1", &norm_s1);
  register_module("norm_e1", &norm_e1);
  register_module("norm_e2", &norm_e2);
  register_module("norm_s2", &norm_s2);
  register_module("norm_p1", &norm_p1);
  register_module("norm_p2", &norm_p2);
}

Tensor CsBlock::forward(const Tensor& x, const Tensor& style, const Tensor& edge, const Tensor& pose) const {
  auto a = [](const Tensor& t) { return leaky_relu(t, kLReluSlope); };
  Tensor px = conv_s2.forward(a(norm_s2.forward(x, style)));
  px = conv_p1.forward(a(norm_p1.forward(px, pose)));
  px = conv_p2.forward(a(norm_p2.forward(px, pose)));
  if (!content_branch) return px;
  Tensor ex = conv_s1.forward(a(norm_s1.forward(x, style)));
  ex = conv_e1.forward(a(norm_e1.forward(ex, edge)));
  ex = conv_e2.forward(a(norm_e2.forward(ex, edge)));
  if (W > 0) return ex * W + px * (1.0 - W);
  return ex + px;
}

const char* const kIsnBlocks[7] = {"head_0", "G_middle_0", "G_middle_1", "up_0", "up_1", "up_2", "up_3"};
const int kIsnBlockLevel[7] = {-1, 4, -1, 3, 2, 1, 0};

IsNet::IsNet(const ScaConfig& cfg, Generator& gen) : sizes(cfg.level_sizes()), nf(cfg.isn_ngf) {
  const int64_t w[6] = {nf, 2 * nf, 4 * nf, 8 * nf, 8 * nf, 8 * nf};
  enc.push_back(std::make_unique<StyleStage>(3, w[0], 7, 1, 3, gen));
  for (int i = 0; i < 5; ++i) enc.push_back(std::make_unique<StyleStage>(w[i], w[i + 1], 3, 2, 1, gen));
  for (size_t i = 0; i < enc.size(); ++i) register_module(idx("enc", i), enc[i].get());
  const auto s5 = sizes[5];
  fc = std::make_unique<Linear>(cfg.z_dim, 8 * nf * s5.first * s5.second, gen);
  register_module("fc", fc.get());
  const int64_t chans[7][2] = {{8, 8}, {8, 8}, {8, 8}, {8, 8}, {8, 4}, {4, 2}, {2, 1}};
  for (int i = 0; i < 7; ++i) {
    blocks.push_back(std::make_unique<CsBlock>(chans[i][0] * nf, chans[i][1] * nf, 8 * nf, cfg.spade_hidden,
                                               cfg.content_weight, gen));
    blocks.back()->content_branch = cfg.ablation != "no_content_branch";
    register_module(kIsnBlocks[i], blocks.back().get());
  }
  conv_img = std::make_unique<Conv2d>(nf, 3, 3, 1, 1, gen);
  register_module("conv_img", conv_img.get());
}

Tensor IsNet::style_encoder(const Tensor& P1) const {
  DPT_CHECK(P1.dim() == 4 && P1.size(1) == 3 && P1.size(2) == sizes[0].first && P1.size(3) == sizes[0].second,
            "IsNet: P1 must be [N, 3, " << sizes[0].first << ", " << sizes[0].second << "], got " << P1.shape_str());
  Tensor s = P1;
  for (const auto& st : enc) s = st->forward(s);
  return s;
}

Tensor IsNet::start(const Tensor& z) const {
  DPT_CHECK(z.dim() == 2 && z.size(1) == fc->weight.size(1),
            "IsNet: z must be [N, " << fc->weight.size(1) << "], got " << z.shape_str());
  return fc->forward(z).reshape({z.size(0), 8 * nf, sizes[5].first, sizes[5].second});
}

Tensor IsNet::head(const Tensor& x) const { return tanh(conv_img->forward(leaky_relu(x, kLReluSlope))); }

Tensor IsNet::forward(const Tensor& P1, const Tensor& fake_EP2, const Tensor& BP2, const Tensor& z,
                      IsnActivations* acts) const {
  const int64_t N = P1.size(0), H = sizes[0].first, Wd = sizes[0].second;
  DPT_CHECK(fake_EP2.dim() == 4 && fake_EP2.size(0) == N && fake_EP2.size(1) == 1 && fake_EP2.size(2) == H &&
                fake_EP2.size(3) == Wd,
            "IsNet: fake_EP2 must be [" << N << ", 1, " << H << ", " << Wd << "], got " << fake_EP2.shape_str());
  DPT_CHECK(BP2.dim() == 4 && BP2.size(0) == N && BP2.size(1) == 18 && BP2.size(2) == H && BP2.size(3) == Wd,
            "IsNet: BP2 must be [" << N << ", 18, " << H << ", " << Wd << "], got " << BP2.shape_str());
  DPT_CHECK(z.dim() == 2 && z.size(0) == N, "IsNet: z must be [" << N << ", z_dim], got " << z.shape_str());
  const Tensor style = style_encoder(P1);
  Tensor x = start(z);
  if (acts) {
    acts->style = style;
    acts->fc_out = x;
  }
  for (int i = 0; i < 7; ++i) {
    const int l = kIsnBlockLevel[i];
    if (l >= 0) {
      x = interpolate(x, sizes[l].first, sizes[l].second, InterpMode::Bilinear);
      if (acts) acts->block[std::string(kIsnBlocks[i]) + ".in"] = x;
    }
    x = blocks[i]->forward(x, style, fake_EP2, BP2);
    if (acts) acts->block[kIsnBlocks[i]] = x;
  }
  return head(x);
}

// ---------------------------------------------------------------------------------------- 3.3 D
DResBlock::DResBlock(int64_t c, Generator& gen) : conv1(c, c, 3, 1, 0, gen), conv2(c, c, 3, 1, 0, gen) {
  register_module("conv1", &conv1);
  register_module("conv2", &conv2);
}

Tensor DResBlock::forward(const Tensor& x, double p, bool training, const Tensor* mask, Generator* gen,
                          bool fixed) const {
  Tensor h = relu(instance_norm(conv1.forward(reflection_pad2d(x, 1), fixed)));
  if (training && p > 0) {
    if (mask) {
      DPT_CHECK(mask->shape() == h.shape(), "ResnetDiscriminator: dropout mask must be " << h.shape_str() << ", got "
                                                                                          << mask->shape_str());
      h = dropout_masked(h, mask->to(h.dtype()).to(h.device()), p);
    } else {
      DPT_CHECK(gen, "ResnetDiscriminator: train-mode dropout needs masks or a generator");
      h = dropout(h, p, true, *gen);
    }
  }
  return x + instance_norm(conv2.forward(reflection_pad2d(h, 1), fixed));
}

ResnetDiscriminator::ResnetDiscriminator(int64_t cin, const ScaConfig& cfg, Generator& gen) : p(cfg.d_dropout) {
  const int64_t ndf = cfg.ndf;
  in_conv = std::make_unique<Conv2d>(cin, ndf, 7, 1, 0, gen);
  register_module("in_conv", in_conv.get());
  for (int i = 0; i < 2; ++i) {
    down.push_back(std::make_unique<Conv2d>(ndf << i, ndf << (i + 1), 3, 2, 1, gen));
    register_module(idx("down", i), down.back().get());
  }
  for (int64_t i = 0; i < cfg.d_blocks; ++i) {
    res.push_back(std::make_unique<DResBlock>(4 * ndf, gen));
    register_module(idx("res", i), res.back().get());
  }
}

Tensor ResnetDiscriminator::forward(const Tensor& x, const DropoutSource& drop, bool fixed) const {
  DPT_CHECK(x.dim() == 4 && x.size(1) == in_conv->weight.size(1) && x.size(2) > 3 && x.size(3) > 3,
            "ResnetDiscriminator: input must be [N, " << in_conv->weight.size(1) << ", H, W] with H, W > 3, got "
                                                      << x.shape_str());
  if (drop.masks)
    DPT_CHECK(drop.masks->size() == res.size(), "ResnetDiscriminator: " << res.size() << " dropout masks expected, got "
                                                                        << drop.masks->size());
  Tensor h = relu(instance_norm(in_conv->forward(reflection_pad2d(x, 3), fixed)));
  for (const auto& d : down) h = relu(instance_norm(d->forward(h, fixed)));
  for (size_t i = 0; i < res.size(); ++i)
    h = res[i]->forward(h, p, is_training(), drop.masks ? &(*drop.masks)[i] : nullptr, drop.gen, fixed);
  return h;
}

void init_generator_weights(Module& net, double std, Generator& gen) {
  if (&gen == &uninitialized()) return;
  for (auto& np : net.named_parameters()) {
    const std::string& n = np.first;
    if (n.size() < 6 || n.compare(n.size() - 6, 6, "weight") != 0) continue;  // biases keep their init
    Tensor p = np.second;
    normal_(p, p.dim() == 1 ? 1.0 : 0.0, std, gen);  // dim 1: a BatchNorm weight
  }
}

}  // namespace dpt
