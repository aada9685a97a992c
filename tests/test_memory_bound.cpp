// Memory regression guard: the CPU allocator's peak over one training step of a fixed small DPT network
// stays under a recorded bound. Bytes are deterministic (same shapes, same allocation order), unlike
// time, so this can run in CI: a change that keeps more tensors alive or sizes a workspace larger fails
// here. The bounds are the values measured when the test was written plus ~5% headroom; lower them when
// memory falls (the failure message prints the measured peak).
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>

#include "core/allocator.h"
#include "core/rng.h"
#include "core/threading.h"
#include "train/adam.h"
#include "train/dpt_family.h"
#include "train/random_dpt_data.h"

using namespace dpt;

namespace {

// Allocator peak (bytes) over the second training step of `stage` (the first creates Adam's moments and
// fills the caches), at the small configuration (64x64, ngf 32, S 32), batch 2, random VGG19 features.
size_t step_peak_bytes(const std::string& stage) {
  // Start from an empty cache: blocks cached by earlier tests would serve requests with larger blocks
  // (a request may take a cached block up to twice its size) and make the peak depend on the test order.
  // Bytes other tests keep alive (cached golden files, statics) are not this step's: measure above them.
  CachingAllocator& a = allocator_for(DeviceType::CPU);
  a.empty_cache();
  const size_t baseline = a.stats().current_bytes;
  Config cfg;
  cfg.H = cfg.W = 64;
  cfg.ngf = cfg.ndf = 32;
  cfg.S = 32;
  cfg.batch = 2;
  cfg.validate();
  Generator gen(1);
  RandomDptData data(cfg, gen);
  TrainOptions opts;
  opts.model = cfg;
  opts.data = "(random)";
  opts.vgg = "random";
  opts.vgg_width_div = 4;
  opts.stages = stage;
  DptFamily family(opts, data);
  family.set_stage_modes(stage);
  std::unique_ptr<StageBatch> batch = family.batch(stage, 0);
  StageOptimisers opt;
  for (const auto& g : family.optimiser_groups(stage)) opt.add(g.name, std::make_unique<Adam>(g.params, g.hyper));
  family.step(stage, *batch, opt);
  a.reset_peak();
  family.step(stage, *batch, opt);
  return a.stats().peak_bytes - baseline;
}

}  // namespace

TEST_CASE("memory/step_peak_bound") {
  // Measured 2026-12-03 at commit a1f7c85 (the same at 1, 2 and 3 threads): predictive 181042176,
  // inpainting 587867648, blending 668307456 bytes. Bounds = measured x 1.05 (~5% headroom).
  const std::map<std::string, size_t> bound = {
      {"predictive", 190094284}, {"inpainting", 617261030}, {"blending", 701722828}};
  for (const auto& [stage, limit] : bound) {
    const size_t peak = step_peak_bytes(stage);
    MESSAGE(stage << " step: allocator peak " << peak << " bytes (bound " << limit << ")");
    CHECK_MESSAGE(peak <= limit, stage << " step: the allocator's peak grew to " << peak << " bytes, above the recorded bound "
                                       << limit << " (tests/test_memory_bound.cpp): find what keeps more memory alive");
  }
}
