// Inference helpers shared by tools/dpt-infer and the tests: loading one source/target triple from
// files with size checks, running the generator without grad, and the checkpoint-free texture tools
// (splat a person into a viewable UV atlas; render any atlas onto a pose).
#pragma once
#include <string>

#include "io/image.h"
#include "io/iuv.h"
#include "models/dpt/dpt.h"

namespace dpt {

struct TransferInputs {
  Tensor x_s;    // [1, 3, H, W] source image in [-1, 1]
  Tensor iuv_s;  // [1, 3, H, W] (I, U, V) of the source
  Tensor iuv_t;  // [1, 3, H, W] (I, U, V) of the target pose
};

// Reads the three files; errors name the files when sizes differ or an IUV map is not a DensePose map.
TransferInputs load_transfer_inputs(const std::string& source, const std::string& source_iuv,
                                    const std::string& target_iuv, IUVOrder order = IUVOrder::BGR);

// Moves `model` to `device` (an error naming the build option when this build has no such backend).
void move_model(DensePoseTransfer& model, Device device);

// The generator forward without grad on the model's device; every intermediate, on that device.
GeneratorOutputs run_transfer(const DensePoseTransfer& model, const TransferInputs& in);

// Writes the intermediates of one transfer as PNGs into `dir` (created): y_p, y_w, r (residual),
// atlas_source (splatted, unobserved black), atlas_inpainted, atlas_full and y_hat (dpt-infer, dpt-serve).
void save_transfer_intermediates(const GeneratorOutputs& o, const std::string& dir);

// An atlas [N, C, 6S, 4S] with unobserved texels (M = 0) set to -1, i.e. black once written.
Tensor atlas_for_display(const Tensor& tex, const Tensor& M);

// Texture tool 1: image [1, 3, H, W] + IUV -> splatted atlas [1, 3, 6S, 4S], unobserved texels -1.
Tensor splat_atlas(const Tensor& x, const Tensor& iuv, int64_t S);

// Texture tool 2: atlas [1, 3, 6S, 4S] (S = width / 4, any S >= 2) rendered onto iuv_t [1, 3, H, W];
// background pixels get `background` (1 = white).
Tensor render_atlas(const Tensor& atlas, const Tensor& iuv_t, double background = 1.0);

// An atlas image read from a PNG/JPEG as [1, 3, 6S, 4S]; an error naming `name` unless its size is
// 6S x 4S (height x width) for some S >= 2.
Tensor atlas_from_image(const Image8& img, const std::string& name);

}  // namespace dpt
