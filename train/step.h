// What every family's training step shares: the non-finite loss check that runs before any weight changes.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"

namespace dpt {

// Thrown before any weight changes when a loss is NaN or Inf; what() lists the loss values.
struct NonFiniteLoss : Error {
  using Error::Error;
};

// Throws NonFiniteLoss when any of the named scalar losses (undefined ones are skipped) is NaN/Inf,
// listing them all.
void require_finite(const std::vector<std::pair<std::string, Tensor>>& named);

}  // namespace dpt
