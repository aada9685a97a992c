// Device and backend selection behind the tools' --device cpu|cuda[:N] and --conv-backend native|cudnn.
#pragma once
#include <string>

#include "core/dtype.h"

namespace dpt {

// Parses "cpu", "cuda" or "cuda:N" and, for CUDA, makes device N the one this process uses (one CUDA
// device per process). Throws a message the user can act on when the build has no CUDA backend or the
// device does not exist.
Device use_device(const std::string& spec);

// Which CUDA convolution kernels run: Native (im2col + cuBLAS, the default, the tested path) or Cudnn
// (cuDNN; float32 only, other cases fall back to Native). CPU convolutions are unaffected. Under the
// CUDA emulator the cudnn path runs the CPU convolution on the emulated device memory.
enum class ConvBackend { Native, Cudnn };
void set_conv_backend(ConvBackend b);
// "native" or "cudnn"; throws when cudnn is asked for in a build without it.
void set_conv_backend(const std::string& name);
ConvBackend conv_backend();

}  // namespace dpt
