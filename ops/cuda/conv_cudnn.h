// The cuDNN convolution fast path (--conv-backend cudnn, ops/device.h): same signatures as the CUDA
// conv kernels of ops/conv2d.h; each returns false when it cannot take the case (float64, or a build
// without cuDNN), and the native kernels run instead. Under emulation it runs the CPU convolution.
#pragma once
#include "core/tensor.h"
#include "ops/conv2d.h"

namespace dpt::cuda {

bool cudnn_selected();  // conv_backend() == ConvBackend::Cudnn
bool cudnn_conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out);
bool cudnn_conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p, Tensor& gx,
                           Tensor& gw, Tensor& gb);
bool cudnn_conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p,
                                    Tensor& out);
bool cudnn_conv_transpose2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p,
                                     Tensor& gx, Tensor& gw, Tensor& gb);

}  // namespace dpt::cuda
