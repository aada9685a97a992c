// Caching allocators, one per device type: freed blocks are kept by size class and reused,
// so a training step allocates from the OS only in its first iteration.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace dpt {

struct MemoryStats {
  size_t current_bytes = 0;  // bytes handed out and not yet returned
  size_t peak_bytes = 0;     // maximum of current_bytes since the last reset
  size_t cached_bytes = 0;   // bytes held in the free lists
};

// Note [memory tags]: where the bytes go (dpt-bench steps --memory). While tagging is on, every block
// handed out is charged to the calling thread's current tag (phase, op), and live and peak bytes are
// kept per tag. Phases: "graph" = outputs of differentiable ops recorded in the autograd graph
// (activations held until backward, make_result retags them with the op's name), "backward" = what an
// op's backward allocates (its gradients and workspaces, op = the node's name), "other" = the rest
// (forward workspaces and temporaries, no-grad outputs, optimiser state). Tag strings must be static.
// Off by default: when off, the cost is one relaxed load per allocation.
struct MemoryTag {
  const char* phase = "other";
  const char* op = "-";
};
struct TaggedBytes {
  std::string phase, op;
  size_t live_bytes = 0, peak_bytes = 0;
};
void set_memory_tagging(bool on);
bool memory_tagging();
// Sets this thread's tag for its lifetime (nested scopes restore the outer tag).
class MemoryTagScope {
 public:
  MemoryTagScope(const char* phase, const char* op);
  ~MemoryTagScope();
  MemoryTagScope(const MemoryTagScope&) = delete;
  MemoryTagScope& operator=(const MemoryTagScope&) = delete;

 private:
  MemoryTag prev_;
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
  explicit CachingAllocator(RawAllocator* raw);
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;
  void* allocate(size_t bytes);  // returns a block of at least `bytes`, 64-byte aligned
  void release(void* p, size_t bytes);
  void empty_cache();            // gives every cached block back to the device
  MemoryStats stats() const;
  void reset_peak();
  // Note [memory tags]: moves block p (as returned by allocate; other pointers are ignored) to `tag`.
  void retag(void* p, MemoryTag tag);
  std::vector<TaggedBytes> tagged_stats() const;  // tags seen since the last reset_tag_stats
  void reset_tag_stats();                         // forgets tags with no live bytes; peaks := live
  RawAllocator* raw() const { return raw_; }
  // The size class of a request; an Error for a request above kMaxAllocationBytes.
  static size_t round_size(size_t bytes);

 private:
  struct Impl;
  Impl* impl() { return impl_; }
  RawAllocator* raw_;
  Impl* impl_;
};

CachingAllocator& allocator_for(DeviceType type);
// Called once by the CUDA backend (or the CUDA emulator) at start-up.
void register_device_allocator(DeviceType type, RawAllocator* raw);
bool device_available(DeviceType type);

}  // namespace dpt
