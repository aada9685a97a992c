// Device and convolution-backend selection (ops/device.h).
#include "ops/device.h"

#include "core/error.h"
#include "ops/cuda/runtime.h"

namespace dpt {

namespace {
ConvBackend g_conv_backend = ConvBackend::Native;
}

Device use_device(const std::string& spec) {
  Device d = Device::parse(spec);
  if (d.is_cuda()) {
#ifdef DPT_WITH_CUDA
    cuda::set_device(d.index);
#else
    DPT_FAIL("--device " << spec << ": this build has no CUDA backend (configure with -DDPT_CUDA=ON on a machine "
                                    "with nvcc), use --device cpu");
#endif
  }
  return d;
}

void set_conv_backend(ConvBackend b) {
#ifdef DPT_WITH_CUDA
  DPT_CHECK(b == ConvBackend::Native || cuda::cudnn_available(),
            "--conv-backend cudnn: this build has no cuDNN (install libcudnn9-dev-cuda-13 and reconfigure)");
#else
  DPT_CHECK(b == ConvBackend::Native, "--conv-backend cudnn: this build has no CUDA backend");
#endif
  g_conv_backend = b;
}

void set_conv_backend(const std::string& name) {
  if (name == "native") return set_conv_backend(ConvBackend::Native);
  if (name == "cudnn") return set_conv_backend(ConvBackend::Cudnn);
  DPT_FAIL("unknown convolution backend '" << name << "' (expected native or cudnn)");
}

ConvBackend conv_backend() { return g_conv_backend; }

}  // namespace dpt
