// Autograd wrapper and argument checks for the contextual loss (ops/contextual_loss.h).
#include "ops/contextual_loss.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

Tensor contextual_loss(const Tensor& featT, const Tensor& featI, const CxParams& p) {
  DPT_CHECK(featT.dim() == 4 && featI.dim() == 4 && featT.size(0) == featI.size(0) && featT.size(1) == featI.size(1),
            "contextual_loss: featT and featI must be [N, C, H, W] with the same N and C, got "
                << featT.shape_str() << " and " << featI.shape_str());
  DPT_CHECK(featT.dtype() == featI.dtype() && featT.device() == featI.device(),
            "contextual_loss: featT is " << featT.describe() << ", featI is " << featI.describe());
  DPT_CHECK(featT.numel() > 0 && featI.numel() > 0,
            "contextual_loss: empty features " << featT.shape_str() << ", " << featI.shape_str());
  DPT_CHECK(!(grad_enabled() && featT.requires_grad()),
            "contextual_loss: featT (the target features, " << featT.shape_str()
                                                           << ") is a constant here; pass it detached");
  DPT_CHECK(p.sigma > 0 && p.eps > 0, "contextual_loss: need sigma > 0 and eps > 0, got sigma " << p.sigma << ", eps "
                                                                                               << p.eps);
  const int64_t N = featI.size(0), C = featI.size(1), PT = featT.size(2) * featT.size(3),
                PI = featI.size(2) * featI.size(3);
  const DType dt = featI.dtype();
  const Device dev = featI.device();
  Tensor T = featT.detach().contiguous().view({N, C, PT});
  Tensor I = featI.detach().contiguous().view({N, C, PI});
  CxSaved s;
  s.Tn = Tensor::empty({N, C, PT}, dt, dev);
  s.In = Tensor::empty({N, C, PI}, dt, dev);
  s.rnormI = Tensor::empty({N, PI}, DType::F64, dev);
  s.d = Tensor::empty({N, PT, PI}, dt, dev);
  s.colstats = Tensor::empty({N, PI, 3}, DType::F64, dev);
  s.rowstats = Tensor::empty({N, PT, 2}, DType::F64, dev);
  s.meanmax = Tensor::empty({N}, DType::F64, dev);
  Tensor loss = Tensor::empty({}, dt, dev);
  DPT_DISPATCH(dev, contextual_loss_forward, T, I, p, s, loss);
  const Shape shapeI = featI.shape();
  return make_result(loss, "contextual_loss", {featI}, [s, p, shapeI](const Tensor& g) {
    Tensor dI = Tensor::empty(s.In.shape(), s.In.dtype(), s.In.device());
    DPT_DISPATCH(dI.device(), contextual_loss_backward, s, g.contiguous(), p, dI);
    return std::vector<Tensor>{dI.view(shapeI)};
  });
}

}  // namespace dpt
