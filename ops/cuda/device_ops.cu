// CUDA kernels of the tensor plumbing core/ needs from a device (core/device_ops.h): strided copy with
// dtype conversion, fill, and dst += src. Launch: 1-D grid-stride, 256 threads.
#include "core/device_ops.h"
#include "ops/cuda/indexing.cuh"
#include "ops/cuda/launch.cuh"

namespace dpt::cuda {
namespace {

// dst[off0(i)] = src[off1(i)] for i < n (dst and src indexed through o).
template <class D, class S>
__global__ void copy_strided_kernel(D* dst, const S* src, int64_t n, Offsets2 o) {
  DPT_KERNEL_LOOP(i, n) {
    int64_t od, os;
    offsets2(o, i, &od, &os);
    dst[od] = static_cast<D>(src[os]);
  }
}

// dst[i] = src[i], both contiguous (same or converted dtype).
template <class D, class S>
__global__ void copy_contiguous_kernel(D* dst, const S* src, int64_t n) {
  DPT_KERNEL_LOOP(i, n) dst[i] = static_cast<D>(src[i]);
}

template <class T>
__global__ void fill_kernel(T* dst, int64_t n, T value) {
  DPT_KERNEL_LOOP(i, n) dst[i] = value;
}

template <class T>
__global__ void add_inplace_kernel(T* dst, const T* src, int64_t n) {
  DPT_KERNEL_LOOP(i, n) dst[i] += src[i];
}

template <class D, class S>
void copy_typed(const Tensor& dst, const Tensor& src) {
  const int64_t n = dst.numel();
  D* d = reinterpret_cast<D*>(dst.raw_data());
  const S* s = reinterpret_cast<const S*>(src.raw_data());
  if (dst.is_contiguous() && src.is_contiguous()) {
    launch("copy_contiguous", copy_contiguous_kernel<D, S>, blocks_for(n), kThreads, 0, current_stream(), d, s, n);
  } else {
    Offsets2 o = make_offsets2(dst.shape(), dst.strides(), src.strides(), "copy_");
    launch("copy_strided", copy_strided_kernel<D, S>, blocks_for(n), kThreads, 0, current_stream(), d, s, n, o);
  }
}

}  // namespace

void copy_strided(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  if (dst.dtype() == DType::F32) {
    if (src.dtype() == DType::F32) copy_typed<float, float>(dst, src);
    else copy_typed<float, double>(dst, src);
  } else {
    if (src.dtype() == DType::F32) copy_typed<double, float>(dst, src);
    else copy_typed<double, double>(dst, src);
  }
}

void fill(const Tensor& dst, double value) {
  const int64_t n = dst.numel();
  DPT_DISPATCH_FLOAT(dst.dtype(), {
    launch("fill", fill_kernel<scalar_t>, blocks_for(n), kThreads, 0, current_stream(),
           reinterpret_cast<scalar_t*>(dst.raw_data()), n, static_cast<scalar_t>(value));
  });
}

void add_inplace(const Tensor& dst, const Tensor& src) {
  const int64_t n = dst.numel();
  DPT_DISPATCH_FLOAT(dst.dtype(), {
    launch("add_inplace", add_inplace_kernel<scalar_t>, blocks_for(n), kThreads, 0, current_stream(),
           reinterpret_cast<scalar_t*>(dst.raw_data()), reinterpret_cast<const scalar_t*>(src.raw_data()), n);
  });
}

}  // namespace dpt::cuda
