// dpt-infer's SCA-GAN modes (docs/sca.md section 6): one pair from files, or a pairs CSV over a dataset root.
#pragma once
#include <string>
#include <vector>

#include "ops/device.h"
#include "tools/common/cli.h"

namespace dpt {

// The options only the SCA-GAN modes read.
extern const std::vector<std::string> kScaInferOptions;

// Whether a checkpoint is SCA-GAN's ("family" "sca", or an "sca_config" without "family": the reference's).
bool is_sca_checkpoint(const std::string& path);

int run_sca_single(const cli::Args& a, Device device);
int run_sca_batch(const cli::Args& a, Device device);

}  // namespace dpt
