// The cuDNN convolution fast path (ops/cuda/conv_cudnn.h), selected at run time with --conv-backend cudnn.
// float32 only, strict FP32 maths (CUDNN_FMA_MATH: no TF32) and deterministic algorithms only; the bias
// is broadcast into the output first (beta = 1) and its gradient is our deterministic channel sum.
// conv_transpose2d uses the conv2d view (Note [conv_transpose2d as conv2d] in ops/cpu/conv_gemm.h):
// its forward is cuDNN's backward-data. Under emulation this file runs the CPU convolution instead.
#include "core/error.h"
#include "ops/cuda/channel_ops.cuh"
#include "ops/cuda/conv_cudnn.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/runtime.h"
#include "ops/device.h"

#if !defined(DPT_CUDA_EMU) && defined(DPT_HAVE_CUDNN)
#include <cudnn.h>

#include <mutex>
#endif

namespace dpt::cuda {

bool cudnn_selected() { return conv_backend() == ConvBackend::Cudnn; }

#if defined(DPT_CUDA_EMU)
// =============================================================== emulation: the CPU convolution
bool cudnn_available() { return true; }

bool cudnn_conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out) {
  count_library_call();
  emu::HostAccess access;
  cpu::conv2d_forward(x, w, b, p, out);
  return true;
}
bool cudnn_conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p, Tensor& gx,
                           Tensor& gw, Tensor& gb) {
  count_library_call();
  emu::HostAccess access;
  cpu::conv2d_backward(x, w, gout, p, gx, gw, gb);
  return true;
}
bool cudnn_conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p,
                                    Tensor& out) {
  count_library_call();
  emu::HostAccess access;
  cpu::conv_transpose2d_forward(x, w, b, p, out);
  return true;
}
bool cudnn_conv_transpose2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p,
                                     Tensor& gx, Tensor& gw, Tensor& gb) {
  count_library_call();
  emu::HostAccess access;
  cpu::conv_transpose2d_backward(x, w, gout, p, gx, gw, gb);
  return true;
}

#elif defined(DPT_HAVE_CUDNN)
// =============================================================== cuDNN
namespace {

#define DPT_CUDNN(call)                                                                                 \
  do {                                                                                                  \
    cudnnStatus_t dpt_st_ = (call);                                                                     \
    DPT_CHECK(dpt_st_ == CUDNN_STATUS_SUCCESS, "cudnn: " << #call << " failed: " << cudnnGetErrorString(dpt_st_)); \
  } while (0)

constexpr size_t kMaxWorkspace = size_t(1) << 30;

cudnnHandle_t handle() {
  static cudnnHandle_t h = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    current_stream();  // selects the device
    DPT_CUDNN(cudnnCreate(&h));
    DPT_CUDNN(cudnnSetStream(h, current_stream()));
  });
  return h;
}

int to_int(int64_t v) {
  DPT_CHECK(v >= 0 && v <= (int64_t(1) << 31) - 1, "cudnn: size " << v << " does not fit an int");
  return static_cast<int>(v);
}

// Descriptors of one conv2d view: input [N, C, H, W] -> output [N, K, Ho, Wo], filter [K, C/g, kh, kw].
struct ConvDescs {
  cudnnTensorDescriptor_t in = nullptr, out = nullptr;
  cudnnFilterDescriptor_t filter = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  ConvDescs(const Shape& in_shape, const Shape& out_shape, const Shape& w_shape, const ConvParams& p) {
    DPT_CUDNN(cudnnCreateTensorDescriptor(&in));
    DPT_CUDNN(cudnnCreateTensorDescriptor(&out));
    DPT_CUDNN(cudnnCreateFilterDescriptor(&filter));
    DPT_CUDNN(cudnnCreateConvolutionDescriptor(&conv));
    DPT_CUDNN(cudnnSetTensor4dDescriptor(in, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, to_int(in_shape[0]),
                                         to_int(in_shape[1]), to_int(in_shape[2]), to_int(in_shape[3])));
    DPT_CUDNN(cudnnSetTensor4dDescriptor(out, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, to_int(out_shape[0]),
                                         to_int(out_shape[1]), to_int(out_shape[2]), to_int(out_shape[3])));
    DPT_CUDNN(cudnnSetFilter4dDescriptor(filter, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, to_int(w_shape[0]),
                                         to_int(w_shape[1]), to_int(w_shape[2]), to_int(w_shape[3])));
    DPT_CUDNN(cudnnSetConvolution2dDescriptor(conv, p.padding.h, p.padding.w, p.stride.h, p.stride.w, 1, 1,
                                              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    DPT_CUDNN(cudnnSetConvolutionGroupCount(conv, p.groups));
    DPT_CUDNN(cudnnSetConvolutionMathType(conv, CUDNN_FMA_MATH));
  }
  ~ConvDescs() {
    cudnnDestroyTensorDescriptor(in);
    cudnnDestroyTensorDescriptor(out);
    cudnnDestroyFilterDescriptor(filter);
    cudnnDestroyConvolutionDescriptor(conv);
  }
  ConvDescs(const ConvDescs&) = delete;
  ConvDescs& operator=(const ConvDescs&) = delete;
};

// The first heuristic choice that is deterministic and fits the workspace limit.
template <class Perf>
bool pick(const Perf* perf, int n, decltype(Perf().algo)* algo, size_t* bytes) {
  for (int i = 0; i < n; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].determinism != CUDNN_DETERMINISTIC ||
        perf[i].memory > kMaxWorkspace)
      continue;
    *algo = perf[i].algo;
    *bytes = perf[i].memory;
    return true;
  }
  return false;
}

Tensor workspace(size_t bytes, Device dev) {
  return Tensor::empty({static_cast<int64_t>((bytes + 3) / 4 + 1)}, DType::F32, dev);
}

// y = conv(x, w) (+ y when accumulate).
void forward(const ConvDescs& d, const float* x, const float* w, float* y, bool accumulate, Device dev) {
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int n = 0;
  DPT_CUDNN(cudnnGetConvolutionForwardAlgorithm_v7(handle(), d.in, d.filter, d.conv, d.out,
                                                   CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &n, perf));
  cudnnConvolutionFwdAlgo_t algo;
  size_t bytes = 0;
  DPT_CHECK(pick(perf, n, &algo, &bytes), "cudnn: no deterministic forward algorithm");
  Tensor ws = workspace(bytes, dev);
  count_library_call();
  const float alpha = 1, beta = accumulate ? 1 : 0;
  DPT_CUDNN(cudnnConvolutionForward(handle(), &alpha, d.in, x, d.filter, w, d.conv, algo, ws.data<float>(), bytes,
                                    &beta, d.out, y));
}

// dx = conv^T(dy, w) (+ dx when accumulate).
void backward_data(const ConvDescs& d, const float* dy, const float* w, float* dx, bool accumulate, Device dev) {
  cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  int n = 0;
  DPT_CUDNN(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle(), d.filter, d.out, d.conv, d.in,
                                                        CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n, perf));
  cudnnConvolutionBwdDataAlgo_t algo;
  size_t bytes = 0;
  DPT_CHECK(pick(perf, n, &algo, &bytes), "cudnn: no deterministic backward-data algorithm");
  Tensor ws = workspace(bytes, dev);
  count_library_call();
  const float alpha = 1, beta = accumulate ? 1 : 0;
  DPT_CUDNN(cudnnConvolutionBackwardData(handle(), &alpha, d.filter, w, d.out, dy, d.conv, algo, ws.data<float>(),
                                         bytes, &beta, d.in, dx));
}

// dw = sum_n dy_n x_n^T (the filter gradient).
void backward_filter(const ConvDescs& d, const float* x, const float* dy, float* dw, Device dev) {
  cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  int n = 0;
  DPT_CUDNN(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle(), d.in, d.out, d.conv, d.filter,
                                                          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n, perf));
  cudnnConvolutionBwdFilterAlgo_t algo;
  size_t bytes = 0;
  DPT_CHECK(pick(perf, n, &algo, &bytes), "cudnn: no deterministic backward-filter algorithm");
  Tensor ws = workspace(bytes, dev);
  count_library_call();
  const float alpha = 1, beta = 0;
  DPT_CUDNN(cudnnConvolutionBackwardFilter(handle(), &alpha, d.in, x, d.out, dy, d.conv, algo, ws.data<float>(), bytes,
                                           &beta, d.filter, dw));
}

const float* f32(const Tensor& t) { return t.data<float>(); }
float* f32m(Tensor& t) { return t.data<float>(); }

}  // namespace

bool cudnn_available() { return true; }

bool cudnn_conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p, Tensor& out) {
  if (x.dtype() != DType::F32 || x.size(0) == 0) return false;
  ConvDescs d(x.shape(), out.shape(), w.shape(), p);
  if (b.defined()) bias_fill(f32m(out), f32(b), out.size(0), out.size(1), out.size(2) * out.size(3));
  forward(d, f32(x), f32(w), f32m(out), b.defined(), x.device());
  return true;
}

bool cudnn_conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p, Tensor& gx,
                           Tensor& gw, Tensor& gb) {
  if (x.dtype() != DType::F32 || x.size(0) == 0) return false;
  ConvDescs d(x.shape(), gout.shape(), w.shape(), p);
  if (gx.defined()) backward_data(d, f32(gout), f32(w), f32m(gx), false, x.device());
  if (gw.defined()) backward_filter(d, f32(x), f32(gout), f32m(gw), x.device());
  if (gb.defined()) channel_sum(gout, gout.size(0), gout.size(1), gout.size(2) * gout.size(3), gb);
  return true;
}

bool cudnn_conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p,
                                    Tensor& out) {
  if (x.dtype() != DType::F32 || x.size(0) == 0) return false;
  ConvDescs d(out.shape(), x.shape(), w.shape(), p);  // the conv2d view maps out -> x
  if (b.defined()) bias_fill(f32m(out), f32(b), out.size(0), out.size(1), out.size(2) * out.size(3));
  backward_data(d, f32(x), f32(w), f32m(out), b.defined(), x.device());
  return true;
}

bool cudnn_conv_transpose2d_backward(const Tensor& x, const Tensor& w, const Tensor& gout, const ConvParams& p,
                                     Tensor& gx, Tensor& gw, Tensor& gb) {
  if (x.dtype() != DType::F32 || x.size(0) == 0) return false;
  ConvDescs d(gout.shape(), x.shape(), w.shape(), p);
  if (gx.defined()) forward(d, f32(gout), f32(w), f32m(gx), false, x.device());
  if (gw.defined()) backward_filter(d, f32(gout), f32(x), f32m(gw), x.device());
  if (gb.defined()) channel_sum(gout, gout.size(0), gout.size(1), gout.size(2) * gout.size(3), gb);
  return true;
}

#else
// =============================================================== nvcc build without cuDNN
bool cudnn_available() { return false; }
bool cudnn_conv2d_forward(const Tensor&, const Tensor&, const Tensor&, const ConvParams&, Tensor&) { return false; }
bool cudnn_conv2d_backward(const Tensor&, const Tensor&, const Tensor&, const ConvParams&, Tensor&, Tensor&, Tensor&) {
  return false;
}
bool cudnn_conv_transpose2d_forward(const Tensor&, const Tensor&, const Tensor&, const ConvParams&, Tensor&) {
  return false;
}
bool cudnn_conv_transpose2d_backward(const Tensor&, const Tensor&, const Tensor&, const ConvParams&, Tensor&, Tensor&,
                                     Tensor&) {
  return false;
}
#endif

}  // namespace dpt::cuda
