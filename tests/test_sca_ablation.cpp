// Tests of the SCA-GAN Table 2 variants (sca_config "ablation", models/sca/config.h) that scripts/demo.sh
// trains: "no_content_branch" (the CS blocks' pose branch alone) and "no_prior_transfer" (the IS-Net sees the
// source's edge map EP1 instead of PCT-Net's fake_EP2).
#include <doctest/doctest.h>

#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "models/sca/sca.h"
#include "tests/sca_model_util.h"
#include "test_util.h"

using namespace dpt;

namespace {

ScaConfig tiny(const std::string& ablation) {
  ScaConfig c = test::small_sca_config();
  c.ablation = ablation;
  return c;
}

struct Inputs {
  Tensor P1, EP1, BP2, BEP2, z;
};

Inputs random_inputs(uint64_t seed) {
  Generator g(seed);
  Inputs in{Tensor::empty({2, 3, 36, 40}), Tensor::empty({2, 1, 36, 40}), Tensor::empty({2, 18, 36, 40}),
            Tensor::empty({2, 18, 36, 40}), Tensor::empty({2, 4})};
  for (Tensor* t : {&in.P1, &in.EP1, &in.BP2, &in.BEP2, &in.z}) uniform_(*t, -1, 1, g);
  return in;
}

void fill_(Tensor& t, float v) {
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = v;
}

bool same(const Tensor& a, const Tensor& b) { return a.shape() == b.shape() && a.to_vector() == b.to_vector(); }

}  // namespace

TEST_CASE("sca/ablation/config: 'ablation' is none by default, round-trips, and refuses other values") {
  CHECK(ScaConfig{}.ablation == "none");
  const ScaConfig c = tiny("no_content_branch");
  CHECK(ScaConfig::from_json(c.to_json()) == c);
  CHECK(ScaConfig::from_json("{\"ablation\": \"no_prior_transfer\"}").ablation == "no_prior_transfer");
  CHECK_ERROR(ScaConfig::from_json("{\"ablation\": \"no_pct\"}"), "ablation", "no_pct", "no_prior_transfer");
  CHECK(config_differences(tiny("none"), c).find("ablation") != std::string::npos);
  CHECK(config_differences(tiny("none"), c, /*shapes_only=*/true).empty());  // same networks, same checkpoints
}

TEST_CASE("sca/ablation/no_content_branch: the output is the pose branch alone, blind to the edge map") {
  Generator g1(5), g2(5);
  ScaGan full(tiny("none"), g1, /*with_disc=*/false), abl(tiny("no_content_branch"), g2, /*with_disc=*/false);
  const Inputs in = random_inputs(11), other = random_inputs(12);
  const Tensor y = abl.infer(in.P1, in.EP1, in.BP2, in.BEP2, in.z);
  // Another source edge map changes fake_EP2, which this variant never reads.
  CHECK(same(y, abl.infer(in.P1, other.EP1, in.BP2, other.BEP2, in.z)));
  CHECK_FALSE(same(full.infer(in.P1, in.EP1, in.BP2, in.BEP2, in.z), full.infer(in.P1, other.EP1, in.BP2, other.BEP2, in.z)));
  // The same weights (the variant draws them alike) with every edge branch's last conv zeroed give ex = 0,
  // so the full block's ex + px is px exactly.
  for (int i = 0; i < 7; ++i) {
    fill_(full.isn->block(i).conv_e2.weight, 0.0f);
    fill_(full.isn->block(i).conv_e2.bias, 0.0f);
  }
  CHECK(same(full.infer(in.P1, in.EP1, in.BP2, in.BEP2, in.z), y));
}

TEST_CASE("sca/ablation/no_prior_transfer: the IS-Net is fed EP1, PCT-Net is never read") {
  Generator g(6);
  ScaGan abl(tiny("no_prior_transfer"), g, /*with_disc=*/false);
  const Inputs in = random_inputs(13);
  Tensor fe;
  const Tensor y = abl.infer(in.P1, in.EP1, in.BP2, in.BEP2, in.z, &fe);
  CHECK(same(fe, in.EP1));
  CHECK(same(abl.edge_condition(in.EP1, in.BP2, in.BEP2), in.EP1));
  CHECK(same(y, abl.isn->forward(in.P1, in.EP1, in.BP2, in.z)));
  fill_(abl.pct->out_conv->weight, 0.5f);  // PCT-Net's weights do not matter
  CHECK(same(abl.infer(in.P1, in.EP1, in.BP2, in.BEP2, in.z), y));
  Generator g2(6);
  ScaGan full(tiny("none"), g2, /*with_disc=*/false);
  Tensor fe_full;
  full.infer(in.P1, in.EP1, in.BP2, in.BEP2, in.z, &fe_full);
  CHECK_FALSE(same(fe_full, in.EP1));  // the full model's condition is PCT-Net's output
}
