// Conv2d, ConvTranspose2d, Linear, ResidualBlock: parameters, PyTorch default init, forward.
#include "layers/layers.h"

#include "ops/elementwise.h"
#include "ops/instance_norm.h"
#include "ops/linear.h"

namespace dpt {

Generator& uninitialized() {
  static Generator sentinel(0);
  return sentinel;
}

namespace {
Tensor init_param(const Shape& shape, int64_t fan_in, Generator& gen, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  if (&gen != &uninitialized()) default_init_(t, fan_in, gen);
  return t;
}
}  // namespace

Conv2d::Conv2d(int64_t cin, int64_t cout, int kernel, int stride, int padding, Generator& gen, int groups,
               DType dtype) {
  DPT_CHECK(cin > 0 && cout > 0 && kernel > 0 && groups > 0 && cin % groups == 0 && cout % groups == 0,
            "Conv2d: bad sizes cin " << cin << ", cout " << cout << ", kernel " << kernel << ", groups " << groups);
  const int64_t fan_in = (cin / groups) * kernel * kernel;
  weight = init_param({cout, cin / groups, kernel, kernel}, fan_in, gen, dtype);
  bias = init_param({cout}, fan_in, gen, dtype);
  params.stride = stride;
  params.padding = padding;
  params.groups = groups;
  register_parameter("weight", &weight);
  register_parameter("bias", &bias);
}

Tensor Conv2d::forward(const Tensor& x, bool constant_params) const {
  if (constant_params) return conv2d(x, weight.detach(), bias.detach(), params);
  return conv2d(x, weight, bias, params);
}

ConvTranspose2d::ConvTranspose2d(int64_t cin, int64_t cout, int kernel, int stride, int padding,
                                 int output_padding, Generator& gen, int groups, DType dtype) {
  DPT_CHECK(cin > 0 && cout > 0 && kernel > 0 && groups > 0 && cin % groups == 0 && cout % groups == 0,
            "ConvTranspose2d: bad sizes cin " << cin << ", cout " << cout << ", kernel " << kernel << ", groups "
                                              << groups);
  const int64_t fan_in = (cout / groups) * kernel * kernel;  // PyTorch: weight.shape[1] * kh * kw
  weight = init_param({cin, cout / groups, kernel, kernel}, fan_in, gen, dtype);
  bias = init_param({cout}, fan_in, gen, dtype);
  params.stride = stride;
  params.padding = padding;
  params.output_padding = output_padding;
  params.groups = groups;
  register_parameter("weight", &weight);
  register_parameter("bias", &bias);
}

Tensor ConvTranspose2d::forward(const Tensor& x) const { return conv_transpose2d(x, weight, bias, params); }

Linear::Linear(int64_t in, int64_t out, Generator& gen, DType dtype) {
  DPT_CHECK(in > 0 && out > 0, "Linear: bad sizes in " << in << ", out " << out);
  weight = init_param({out, in}, in, gen, dtype);
  bias = init_param({out}, in, gen, dtype);
  register_parameter("weight", &weight);
  register_parameter("bias", &bias);
}

Tensor Linear::forward(const Tensor& x) const { return linear(x, weight, bias); }

ResidualBlock::ResidualBlock(int64_t channels, Generator& gen, DType dtype)
    : conv1(channels, channels, 3, 1, 1, gen, 1, dtype), conv2(channels, channels, 3, 1, 1, gen, 1, dtype) {
  register_module("conv1", &conv1);
  register_module("conv2", &conv2);
}

Tensor ResidualBlock::forward(const Tensor& x) const {
  // Step by step so that inference holds at most two feature maps besides x (each assignment frees
  // the previous one; see Note [activation lifetimes] in models/networks.cpp).
  Tensor h = conv1.forward(x);
  h = instance_norm(h);
  h = relu(h);
  h = conv2.forward(h);
  h = instance_norm(h);
  return x + h;
}

}  // namespace dpt
