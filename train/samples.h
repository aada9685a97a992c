// Sample grids written during training: one row per example,
// columns source | target IUV | y_p | y_w | y_hat | ground truth.
#pragma once
#include <string>

#include "models/dpt/dpt.h"
#include "models/dpt/losses.h"

namespace dpt {

// Runs the generator without gradients on up to `rows` examples of the batch and writes the grid PNG.
void write_sample_grid(const std::string& path, const DensePoseTransfer& model, const PairBatch& batch, int rows = 4);

}  // namespace dpt
