// The CUDA backend's host-side runtime API, free of CUDA headers (tools and tests include it):
// device discovery and selection. Implemented in ops/cuda/runtime.cu; only in DPT_WITH_CUDA builds.
#pragma once
#ifdef DPT_WITH_CUDA

namespace dpt::cuda {

// Number of CUDA devices; 0 (never an exception) when there is no driver or no GPU. Emulation: 1.
int device_count();
// Why device_count() is 0 (the CUDA error), or "" when devices exist.
const char* no_device_reason();
// Makes device `index` the one this process uses (one CUDA device per process: tensors on any
// cuda:N index live on it). Throws naming the index and device_count() when it does not exist.
void set_device(int index);
int current_device();
// Waits for all queued work of the current device (the parity tests and benchmarks call it).
void synchronize();
// True when --conv-backend cudnn can be used: an nvcc build linked with cuDNN, or the emulator
// (where the cuDNN path runs the CPU convolution on the emulated device memory).
bool cudnn_available();
// Scatter kernels (grid_sample's gradient w.r.t. x, uv_splat) use atomicAdd by default, which is not
// bitwise reproducible. Deterministic mode runs one thread per output plane walking the points in the
// CPU kernel's order instead (slower). Also set by the environment variable DPT_CUDA_DETERMINISTIC=1.
void set_deterministic(bool on);
bool deterministic();
// Kernels launched so far by this process (the parity tests check that the CUDA path really ran).
long long launch_count();

}  // namespace dpt::cuda

#endif
