// SCA-GAN inference helpers (see inference.h).
#include "models/sca/inference.h"

#include <cstdlib>

#include "core/autograd.h"
#include "core/rng.h"
#include "io/safetensors.h"
#include "io/sca_dataset.h"
#include "ops/bep2.h"
#include "ops/elementwise.h"
#include "ops/heatmap.h"
#include "ops/reduce.h"
#include "ops/xdog.h"

namespace dpt {

namespace {
// byte / 127.5 - 1 in double, rounded once (as the dataset's P and the reference).
Tensor bytes_to_image(const Tensor& bytes) {
  Tensor b = bytes.contiguous();
  Tensor out = Tensor::empty(b.shape());
  const float* s = b.data<float>();
  float* d = out.data<float>();
  for (int64_t i = 0; i < out.numel(); ++i) d[i] = static_cast<float>(static_cast<double>(s[i]) / 127.5 - 1.0);
  return out;
}
}  // namespace

void check_keypoints_fit(const Keypoints& kp, int64_t H, int64_t W, const std::string& what) {
  int present = 0, inside = 0;
  for (int j = 0; j < kCocoJoints; ++j) {
    if (kp.missing(j)) continue;
    ++present;
    const int64_t y = kp.y[j], x = kp.x[j];
    inside += y >= 0 && y < H && x >= 0 && x < W;
    DPT_CHECK(y >= -H / 2 && y < H + H / 2 && x >= -W / 2 && x < W + W / 2,
              what << ": joint " << j << " (" << kCocoJointNames[j] << ") at (y " << y << ", x " << x
                   << ") lies outside a " << H << "x" << W << " image by more than half its size: are these keypoints "
                   << "of another image size?");
  }
  DPT_CHECK(present == 0 || inside > 0, what << ": none of its " << present << " joints lies inside a " << H << "x" << W
                                             << " image: are these keypoints of another image size?");
}

ScaInferInputs make_sca_inputs(const ScaConfig& cfg, const Tensor& P1, const Tensor& E1, const Keypoints& source_kp,
                               const Keypoints& target_kp) {
  DPT_CHECK(P1.dim() == 4 && P1.size(0) == 1 && P1.size(1) == 3 && P1.size(2) == cfg.H && P1.size(3) == cfg.W,
            "SCA-GAN inference: the source image must be [1, 3, " << cfg.H << ", " << cfg.W << "] (the checkpoint's "
                                                                  << "size), got " << P1.shape_str());
  DPT_CHECK(E1.dim() == 4 && E1.size(0) == 1 && E1.size(1) == 1 && E1.size(2) == cfg.H && E1.size(3) == cfg.W,
            "SCA-GAN inference: the source edge map must be [1, 1, " << cfg.H << ", " << cfg.W << "], got "
                                                                     << E1.shape_str());
  ScaInferInputs in;
  in.P1 = P1;
  in.E1 = E1;
  in.EP1 = edge_bytes_to_network(E1);
  const Tensor k1 = keypoints_to_tensor({source_kp}), k2 = keypoints_to_tensor({target_kp});
  in.BP2 = keypoint_heatmaps(k2, cfg.H, cfg.W, cfg.sigma);
  in.BEP2 = bep2(E1, k1, k2, Bep2Params{cfg.sigma, static_cast<int>(cfg.bep_radius), cfg.bep_threshold});
  return in;
}

ScaInferInputs load_sca_inputs(const ScaConfig& cfg, const std::string& source_image, const std::string& source_edges,
                               const Keypoints& source_kp, const Keypoints& target_kp) {
  int h = 0, w = 0;
  const Tensor rgb = image_bytes_tensor(source_image, &h, &w);
  DPT_CHECK(h == cfg.H && w == cfg.W, source_image << ": the image is " << h << "x" << w << ", the checkpoint's IS-Net "
                                                   << "was built for " << cfg.H << "x" << cfg.W
                                                   << " (its fc layer fixes the size): resize or crop the image");
  Tensor E1;
  if (source_edges.empty()) {
    XdogParams p;
    p.sigma = cfg.xdog_sigma, p.k = cfg.xdog_k, p.gamma = cfg.xdog_gamma, p.phi = cfg.xdog_phi, p.eps = cfg.xdog_eps;
    E1 = xdog_edge_bytes(rgb, p);
  } else {
    E1 = read_edge_png(source_edges);
    DPT_CHECK(E1.size(2) == h && E1.size(3) == w, source_edges << ": the edge map is " << E1.size(2) << "x" << E1.size(3)
                                                               << ", its image " << source_image << " is " << h << "x" << w);
  }
  return make_sca_inputs(cfg, bytes_to_image(rgb), E1, source_kp, target_kp);
}

Tensor sca_latent(const std::string& spec, int64_t z_dim, int64_t index) {
  if (spec == "zero") return Tensor::zeros({1, z_dim});
  if (spec.rfind("seed:", 0) == 0) {
    const uint64_t seed = std::strtoull(spec.c_str() + 5, nullptr, 10);
    Tensor z = Tensor::empty({1, z_dim});
    Generator gen(rng_bits(seed, static_cast<uint64_t>(index)));
    normal_(z, 0.0, 1.0, gen);
    return z;
  }
  const SafetensorsFile f = SafetensorsFile::read(spec);
  DPT_CHECK(f.contains("z"), spec << ": no tensor \"z\" (expected [z_dim] or [N, z_dim] with z_dim " << z_dim << ")");
  Tensor z = f.finite_tensor("z").to(DType::F32);
  if (z.dim() == 1) z = z.unsqueeze(0);
  DPT_CHECK(z.dim() == 2 && z.size(1) == z_dim, spec << ": \"z\" must be [" << z_dim << "] or [N, " << z_dim
                                                     << "] (the checkpoint's z_dim), got " << z.shape_str());
  DPT_CHECK(index < z.size(0), spec << ": \"z\" has " << z.size(0) << " rows, pair " << index + 1 << " needs one more");
  return z.slice(0, index, index + 1).contiguous();
}

ScaInferOutputs run_sca_transfer(const ScaGan& model, const ScaInferInputs& in, const Tensor& z) {
  NoGradGuard ng;
  const Device d = model.device();
  ScaInferOutputs o;
  o.fake_P2 = model.infer(in.P1.to(d), in.EP1.to(d), in.BP2.to(d), in.BEP2.to(d), z.to(d), &o.fake_EP2);
  return o;
}

Tensor sca_edge_display(const Tensor& ep) {
  Tensor d = mul_scalar(ep, -1.0);
  return cat({d, d, d}, 1);
}

Tensor sca_heatmap_display(const Tensor& bp) {
  Tensor m = add_scalar(mul_scalar(max(bp, 1, /*keepdim=*/true), 2.0), -1.0);
  return cat({m, m, m}, 1);
}

}  // namespace dpt
