// Autograd wrapper and argument checks for batch norm (ops/batch_norm.h); kernels in ops/cpu, ops/cuda.
#include "ops/batch_norm.h"

#include "core/autograd.h"
#include "core/dispatch.h"

namespace dpt {

namespace {
void check_channel_vector(const Tensor& t, const char* name, const Tensor& x) {
  DPT_CHECK(t.dim() == 1 && t.size(0) == x.size(1),
            "batch_norm: " << name << " must be [" << x.size(1) << "] for x " << x.shape_str() << ", got "
                           << t.shape_str());
  DPT_CHECK(t.dtype() == x.dtype() && t.device() == x.device(),
            "batch_norm: " << name << " is " << t.describe() << ", x is " << x.describe());
}
}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  DPT_CHECK(x.dim() >= 2, "batch_norm: x must be [N, C, ...], got " << x.shape_str());
  DPT_CHECK(weight.defined() && bias.defined(), "batch_norm: weight and bias are required");
  check_channel_vector(weight, "weight", x);
  check_channel_vector(bias, "bias", x);
  const bool have_running = running_mean.defined() || running_var.defined();
  DPT_CHECK(!have_running || (running_mean.defined() && running_var.defined()),
            "batch_norm: give both running_mean and running_var or neither");
  DPT_CHECK(training || have_running, "batch_norm: eval mode needs the running statistics");
  if (have_running) {
    check_channel_vector(running_mean, "running_mean", x);
    check_channel_vector(running_var, "running_var", x);
    DPT_CHECK(running_mean.is_contiguous() && running_var.is_contiguous(),
              "batch_norm: the running statistics must be contiguous (they are updated in place)");
  }
  DPT_CHECK(eps > 0 && momentum >= 0 && momentum <= 1,
            "batch_norm: need eps > 0 and momentum in [0, 1], got eps " << eps << ", momentum " << momentum);
  const int64_t C = x.size(1), n = C ? x.numel() / C : 0;
  DPT_CHECK(!training || n > 1, "batch_norm: training needs more than one value per channel, x is " << x.shape_str());

  Tensor xc = x.contiguous().detach();
  Tensor w = weight.contiguous().detach(), b = bias.contiguous().detach();
  Tensor mean, var;  // [C] float64: batch statistics (training) or a copy of the running ones (eval)
  if (training) {
    mean = Tensor::empty({C}, DType::F64, x.device());
    var = Tensor::empty({C}, DType::F64, x.device());
    DPT_DISPATCH(x.device(), batch_norm_stats, xc, mean, var);
    if (have_running) {
      Tensor rm = running_mean.detach(), rv = running_var.detach();
      DPT_DISPATCH(x.device(), batch_norm_update_running, mean, var, n, momentum, rm, rv);
    }
  } else {
    mean = running_mean.detach().to(DType::F64).clone().detach();
    var = running_var.detach().to(DType::F64).clone().detach();
  }
  Tensor out = Tensor::empty_like(xc);
  DPT_DISPATCH(x.device(), batch_norm_forward, xc, mean, var, w, b, eps, out);
  return make_result(out, "batch_norm", {x, weight, bias}, [xc, mean, var, w, eps, training](const Tensor& g) {
    Tensor gx = Tensor::empty_like(xc), gw = Tensor::empty_like(w), gb = Tensor::empty_like(w);
    DPT_DISPATCH(xc.device(), batch_norm_backward, xc, g.contiguous(), mean, var, w, eps, training, gx, gw, gb);
    return std::vector<Tensor>{gx, gw, gb};
  });
}

}  // namespace dpt
