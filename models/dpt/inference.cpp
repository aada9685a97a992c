// Inference and texture-tool helpers (see inference.h).
#include "models/dpt/inference.h"

#include "core/autograd.h"
#include "io/file_io.h"
#include "models/dpt/warping.h"
#include "ops/atlas.h"
#include "ops/elementwise.h"
#include "ops/grid_sample.h"

namespace dpt {

TransferInputs load_transfer_inputs(const std::string& source, const std::string& source_iuv,
                                    const std::string& target_iuv, IUVOrder order) {
  Image8 img = read_image(source);
  Tensor iuv_s = read_iuv(source_iuv, order), iuv_t = read_iuv(target_iuv, order);
  check_iuv_matches_image(source_iuv, iuv_s.size(1), iuv_s.size(2), source, img.height, img.width);
  DPT_CHECK(iuv_t.size(1) == img.height && iuv_t.size(2) == img.width,
            "size mismatch: target IUV " << target_iuv << " is " << iuv_t.size(1) << "x" << iuv_t.size(2)
                                         << " (HxW) but the source image " << source << " is " << img.height << "x"
                                         << img.width << "; the output has the source's size, so both must agree");
  DPT_CHECK(img.height % 4 == 0 && img.width % 4 == 0,
            source << ": the networks need a height and width divisible by 4, got " << img.height << "x" << img.width);
  return TransferInputs{image_to_tensor(img).unsqueeze(0), iuv_s.unsqueeze(0), iuv_t.unsqueeze(0)};
}

void move_model(DensePoseTransfer& model, Device device) {
#ifndef DPT_WITH_CUDA
  DPT_CHECK(device.is_cpu(), "device " << device.str()
                                       << ": this build has no CUDA backend (configure with -DDPT_CUDA=ON)");
#endif
  model.to(device);
}

GeneratorOutputs run_transfer(const DensePoseTransfer& model, const TransferInputs& in) {
  NoGradGuard ng;
  const Device d = model.device();
  return model.generator_forward(in.x_s.to(d), in.iuv_s.to(d), in.iuv_t.to(d));
}

void save_transfer_intermediates(const GeneratorOutputs& o, const std::string& dir) {
  make_dirs(dir);
  write_png(dir + "/y_p.png", tensor_to_image(o.y_p));
  write_png(dir + "/y_w.png", tensor_to_image(o.y_w));
  write_png(dir + "/r.png", tensor_to_image(o.r));
  write_png(dir + "/atlas_source.png", tensor_to_image(atlas_for_display(o.tex_s, o.M_s)));
  write_png(dir + "/atlas_inpainted.png", tensor_to_image(o.tex_hat));
  write_png(dir + "/atlas_full.png", tensor_to_image(o.tex_full));
  write_png(dir + "/y_hat.png", tensor_to_image(o.y_hat));
}

Tensor atlas_for_display(const Tensor& tex, const Tensor& M) { return M * tex + (M - 1.0); }

Tensor splat_atlas(const Tensor& x, const Tensor& iuv, int64_t S) {
  DPT_CHECK(S >= 2, "splat_atlas: tile size must be >= 2, got " << S);
  NoGradGuard ng;
  Texture t = splat_texture(x, iuv, S);
  return atlas_for_display(t.tex, t.M);
}

Tensor render_atlas(const Tensor& atlas, const Tensor& iuv_t, double background) {
  NoGradGuard ng;
  Warped w = warp(atlas, iuv_t);
  return w.y_w + (1.0 - w.m_w) * background;
}

Tensor atlas_from_image(const Image8& img, const std::string& name) {
  DPT_CHECK(img.width % 4 == 0 && img.width >= 8 && static_cast<int64_t>(img.height) * 4 == static_cast<int64_t>(img.width) * 6,
            name << ": a UV atlas must be 6S x 4S pixels (height x width: 6 rows x 4 columns of S x S tiles), got "
                 << img.height << "x" << img.width);
  return image_to_tensor(img).unsqueeze(0);
}

}  // namespace dpt
