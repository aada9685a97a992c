// The device dispatch point (Note [backends]): every op's kernels exist as dpt::cpu::<fn> and, in a
// CUDA or CUDA-emulation build (DPT_WITH_CUDA), dpt::cuda::<fn> with identical signatures. Op
// wrappers call DPT_DISPATCH(device, fn, args...) and never test the device themselves.
#pragma once
#include "core/dtype.h"
#include "core/error.h"

// DPT_HD marks per-element maths compiled for host and device alike.
#if defined(__CUDACC__)
#define DPT_HD __host__ __device__
#else
#define DPT_HD
#endif

namespace dpt {
[[noreturn]] inline void no_cuda_backend(const char* fn) {
  DPT_FAIL(fn << ": tensor is on a CUDA device, but this build has no CUDA backend "
              "(configure with -DDPT_CUDA=ON)");
}
}  // namespace dpt

#ifdef DPT_WITH_CUDA
#define DPT_DISPATCH(device, fn, ...) \
  ((device).is_cuda() ? ::dpt::cuda::fn(__VA_ARGS__) : ::dpt::cpu::fn(__VA_ARGS__))
#else
#define DPT_DISPATCH(device, fn, ...) \
  ((device).is_cuda() ? ::dpt::no_cuda_backend(#fn) : ::dpt::cpu::fn(__VA_ARGS__))
#endif
