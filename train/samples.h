// Sample grids written during training: one row per example,
// columns source | target IUV | y_p | y_w | y_hat | ground truth.
#pragma once
#include <string>
#include <vector>

#include "models/dpt/dpt.h"
#include "models/dpt/losses.h"

namespace dpt {

// Writes a PNG grid of RGB images: one row per example, one column per tensor of `cols` (each [N, 3, H, W]
// float32 in [-1, 1], the same N, H, W), 2-pixel white gaps. Shared by every family's samples.
void write_image_grid(const std::string& path, const std::vector<Tensor>& cols);

// Runs the generator without gradients on up to `rows` examples of the batch and writes the grid PNG.
void write_sample_grid(const std::string& path, const DensePoseTransfer& model, const PairBatch& batch, int rows = 4);

}  // namespace dpt
