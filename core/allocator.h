// Caching allocators, one per device type: freed blocks are kept by size class and reused,
// so a training step allocates from the OS only in its first iteration.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/dtype.h"

namespace dpt {

struct MemoryStats {
  size_t current_bytes = 0;  // bytes handed out and not yet returned
  size_t peak_bytes = 0;     // maximum of current_bytes since the last reset
  size_t cached_bytes = 0;   // bytes held in the free lists
};

// Raw memory of one device kind. CUDA registers its own (see ops/cuda); CPU is built in.
class RawAllocator {
 public:
  virtual ~RawAllocator() = default;
  virtual void* raw_alloc(size_t bytes) = 0;
  virtual void raw_free(void* p, size_t bytes) = 0;
  // Copies between host and this device (or within it). kind: 0 host->dev, 1 dev->host, 2 dev->dev.
  virtual void copy(void* dst, const void* src, size_t bytes, int kind) = 0;
  virtual void memset_zero(void* p, size_t bytes) = 0;
  // Told whenever the caching allocator hands out block p (block_bytes, fresh or cached) for a request
  // of `bytes`; the CUDA emulator guards the unused tail so that overruns past a tensor are caught.
  virtual void on_allocate(void* p, size_t bytes, size_t block_bytes) {}
  // The device's total memory: a request above it is refused at once, naming both sizes, instead of
  // being tried (the host's allocator may promise memory it cannot provide). SIZE_MAX: unknown.
  virtual size_t capacity_bytes() const { return SIZE_MAX; }
  // Memory a new allocation could get now (for error messages); SIZE_MAX: unknown.
  virtual size_t available_bytes() const { return SIZE_MAX; }
};

// No single allocation may exceed this (256 TiB), whatever the device: a larger request is a wrapped or
// absurd size (Note [size limits] in core/allocator.cpp).
constexpr size_t kMaxAllocationBytes = size_t(1) << 48;

class CachingAllocator {
 public:
  explicit CachingAllocator(RawAllocator* raw) : raw_(raw) {}
  ~CachingAllocator();
  void* allocate(size_t bytes);  // returns a block of at least `bytes`, 64-byte aligned
  void release(void* p, size_t bytes);
  void empty_cache();            // gives every cached block back to the device
  MemoryStats stats() const;
  void reset_peak();
  RawAllocator* raw() const { return raw_; }
  // The size class of a request; an Error for a request above kMaxAllocationBytes.
  static size_t round_size(size_t bytes);

 private:
  struct Impl;
  Impl* impl();
  RawAllocator* raw_;
  Impl* impl_ = nullptr;
};

CachingAllocator& allocator_for(DeviceType type);
// Called once by the CUDA backend (or the CUDA emulator) at start-up.
void register_device_allocator(DeviceType type, RawAllocator* raw);
bool device_available(DeviceType type);

}  // namespace dpt
