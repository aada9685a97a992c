// Argument checks and dispatch of bep2 (kernels in ops/cpu/bep2.cpp, ops/cuda/bep2.cu).
#include "ops/bep2.h"

#include <cmath>

#include "core/dispatch.h"

namespace dpt {

namespace {

void check_kp(const Tensor& kp, const char* name, const Tensor& edge) {
  DPT_CHECK(kp.dim() == 3 && kp.size(2) == 2 && kp.size(0) == edge.size(0),
            "bep2: " << name << " must be [N, J, 2] (y, x) with N = " << edge.size(0) << ", got " << kp.shape_str());
  DPT_CHECK(kp.dtype() == edge.dtype() && kp.device() == edge.device(),
            "bep2: " << name << " must have the edge map's dtype and device");
}

void check_params(const Bep2Params& p) {
  DPT_CHECK(std::isfinite(p.sigma) && p.sigma > 0, "bep2: sigma must be > 0, got " << p.sigma);
  DPT_CHECK(p.radius >= 1, "bep2: radius must be >= 1, got " << p.radius);
  DPT_CHECK(std::isfinite(p.threshold), "bep2: threshold must be finite, got " << p.threshold);
}

}  // namespace

Tensor bep2(const Tensor& edge, const Tensor& kp_src, const Tensor& kp_tgt, const Bep2Params& p, bool plates) {
  DPT_CHECK(edge.dim() == 4 && edge.size(1) == 1 && edge.size(2) > 0 && edge.size(3) > 0,
            "bep2: edge must be [N, 1, H, W] stored edge bytes, got " << edge.shape_str());
  check_kp(kp_src, "kp_src", edge);
  check_kp(kp_tgt, "kp_tgt", edge);
  DPT_CHECK(kp_src.size(1) == kp_tgt.size(1),
            "bep2: kp_src " << kp_src.shape_str() << " and kp_tgt " << kp_tgt.shape_str() << " differ in joints");
  check_params(p);
  Tensor e = edge.contiguous().detach(), s = kp_src.contiguous().detach(), t = kp_tgt.contiguous().detach();
  Tensor out = Tensor::empty({edge.size(0), kp_src.size(1), edge.size(2), edge.size(3)}, edge.dtype(), edge.device());
  DPT_DISPATCH(edge.device(), bep2_forward, e, s, t, p, plates, out);
  return out;
}

Tensor bep2_joints_used(const Tensor& kp_src, const Tensor& kp_tgt, int64_t H, int64_t W, const Bep2Params& p) {
  DPT_CHECK(kp_src.dim() == 3 && kp_src.size(2) == 2 && kp_src.shape() == kp_tgt.shape(),
            "bep2_joints_used: kp_src " << kp_src.shape_str() << " and kp_tgt " << kp_tgt.shape_str()
                                        << " must both be [N, J, 2]");
  check_params(p);
  Tensor s = kp_src.to(Device::cpu()).to(DType::F64).contiguous(), t = kp_tgt.to(Device::cpu()).to(DType::F64).contiguous();
  const int64_t NJ = kp_src.size(0) * kp_src.size(1);
  Tensor out = Tensor::empty({kp_src.size(0), kp_src.size(1), 4}, DType::F64);
  const double *ps = s.data<double>(), *pt = t.data<double>();
  double* o = out.data<double>();
  for (int64_t i = 0; i < NJ; ++i) {
    const Bep2Window w = bep2_window(ps[2 * i], ps[2 * i + 1], pt[2 * i], pt[2 * i + 1], H, W, p);
    o[4 * i] = static_cast<double>(w.sy), o[4 * i + 1] = static_cast<double>(w.sx);
    o[4 * i + 2] = static_cast<double>(w.ty), o[4 * i + 3] = static_cast<double>(w.tx);
  }
  return out;
}

}  // namespace dpt
