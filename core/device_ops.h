// Tensor plumbing that a device backend must provide (copies, fills), registered at start-up so that
// core/ does not depend on CUDA. The CPU versions live in core/tensor.cpp.
#pragma once
#include "core/tensor.h"

namespace dpt {

struct DeviceOps {
  // dst and src on this device, same shape, any strides; dtypes may differ (converts).
  void (*copy_strided)(const Tensor& dst, const Tensor& src) = nullptr;
  // every element of a contiguous tensor set to value.
  void (*fill)(const Tensor& dst, double value) = nullptr;
  // dst += src, both contiguous, same shape and dtype (gradient accumulation).
  void (*add_inplace)(const Tensor& dst, const Tensor& src) = nullptr;
};

void register_device_ops(DeviceType type, const DeviceOps& ops);
const DeviceOps& device_ops(DeviceType type);

}  // namespace dpt
