// Size-class caching allocator shared by the CPU and CUDA backends.
#include "core/allocator.h"

#include <sys/sysinfo.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace dpt {

struct CachingAllocator::Impl {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free_blocks;  // size class -> blocks (no empty lists)
  std::unordered_map<void*, size_t> block_bytes;      // handed-out block -> its size class
  MemoryStats stats;
  // Note [memory tags]: the tag of each block handed out while tagging was on, and bytes per tag
  // (keyed by the tag's static strings).
  std::unordered_map<void*, MemoryTag> block_tag;
  std::map<std::pair<std::string, std::string>, TaggedBytes> tags;

  void charge(void* p, size_t sz, MemoryTag tag) {
    block_tag[p] = tag;
    TaggedBytes& t = tags[{tag.phase, tag.op}];
    if (t.phase.empty()) t.phase = tag.phase, t.op = tag.op;
    t.live_bytes += sz;
    t.peak_bytes = std::max(t.peak_bytes, t.live_bytes);
  }
  // Removes p's charge; returns false when p was not tagged.
  bool uncharge(void* p, size_t sz) {
    auto it = block_tag.find(p);
    if (it == block_tag.end()) return false;
    TaggedBytes& t = tags[{it->second.phase, it->second.op}];
    t.live_bytes -= std::min(t.live_bytes, sz);
    block_tag.erase(it);
    return true;
  }
};

namespace {
std::atomic<bool> g_tagging{false};
thread_local MemoryTag t_tag;
}  // namespace

void set_memory_tagging(bool on) { g_tagging.store(on, std::memory_order_relaxed); }
bool memory_tagging() { return g_tagging.load(std::memory_order_relaxed); }
MemoryTagScope::MemoryTagScope(const char* phase, const char* op) : prev_(t_tag) { t_tag = MemoryTag{phase, op}; }
MemoryTagScope::~MemoryTagScope() { t_tag = prev_; }

// Made here, not on first use: the first allocations may come from several threads at once (the
// dataset check decodes in parallel), and a lazily made Impl raced into two.
CachingAllocator::CachingAllocator(RawAllocator* raw) : raw_(raw), impl_(new Impl) {}

CachingAllocator::~CachingAllocator() {
  // The process-wide allocators live in a registry that is never destroyed (tensors in static storage
  // may be released after static destructors); this runs for allocators a caller owns, e.g. in tests.
  empty_cache();
  delete impl_;
}

// Note [size limits]
// Sizes reach the allocator from files (safetensors shapes), configurations (--set S=...) and command
// lines (--tile-size, --batch). Shape products are checked for overflow (shape_numel, Tensor::empty);
// here a request above kMaxAllocationBytes is refused before the size-class arithmetic (whose
// power-of-two loop would never end past 2^63), and one above the device's memory before it is tried.
namespace {
std::string gib(size_t bytes) {
  char b[48];
  std::snprintf(b, sizeof b, "%.3g GiB", static_cast<double>(bytes) / (1ull << 30));
  return b;
}
}  // namespace

size_t CachingAllocator::round_size(size_t bytes) {
  DPT_CHECK(bytes <= kMaxAllocationBytes, "cannot allocate " << bytes << " bytes (" << gib(bytes)
                                                             << "): more than the limit of " << kMaxAllocationBytes
                                                             << " bytes for one tensor (a wrong or overflowed size?)");
  // Small blocks in 512-byte steps; larger ones in steps of 1/8 of their power of two, so that the
  // waste stays below 12.5% while shapes that vary slightly still share a class.
  if (bytes <= 4096) return (bytes + 511) / 512 * 512 + (bytes == 0 ? 512 : 0);
  size_t p = 1;
  while (p < bytes) p <<= 1;
  size_t step = p / 8;
  return (bytes + step - 1) / step * step;
}

// Note [block reuse]
// A request takes the smallest cached block of its class or larger, up to twice its size: keeping only
// exact classes made the footprint the sum of every class's own peak (8.2 GiB for a batch-8 paper-size
// inference whose live peak is far lower). A block keeps its class for its whole life, so release()
// looks the class up instead of recomputing it from the requested size.
void* CachingAllocator::allocate(size_t bytes) {
  Impl* im = impl();
  const size_t want = round_size(bytes);
  void* p = nullptr;
  size_t sz = want;
  {
    std::lock_guard<std::mutex> lock(im->mu);
    auto it = im->free_blocks.lower_bound(want);
    if (it != im->free_blocks.end() && it->first <= 2 * want) {
      sz = it->first;
      p = it->second.back();
      it->second.pop_back();
      if (it->second.empty()) im->free_blocks.erase(it);
      im->stats.cached_bytes -= sz;
    }
  }
  if (!p) {
    const size_t capacity = raw_->capacity_bytes();
    DPT_CHECK(sz <= capacity, "cannot allocate " << bytes << " bytes (" << gib(bytes) << "): the device has "
                                                 << capacity << " bytes (" << gib(capacity) << ") in all");
    p = raw_->raw_alloc(sz);
    if (!p) {
      empty_cache();  // out of memory: give the cache back and try once more
      p = raw_->raw_alloc(sz);
    }
    const size_t available = raw_->available_bytes();
    DPT_CHECK(p, "out of memory allocating " << bytes << " bytes (" << gib(bytes) << "; " << gib(stats().current_bytes)
                                             << " in use by tensors"
                                             << (available != SIZE_MAX ? ", " + gib(available) + " available" : "")
                                             << ")");
  }
  std::lock_guard<std::mutex> lock(im->mu);
  im->block_bytes[p] = sz;
  if (memory_tagging()) im->charge(p, sz, t_tag);
  im->stats.current_bytes += sz;
  if (im->stats.current_bytes > im->stats.peak_bytes) im->stats.peak_bytes = im->stats.current_bytes;
  raw_->on_allocate(p, bytes, sz);
  return p;
}

void CachingAllocator::release(void* p, size_t bytes) {
  if (!p) return;
  Impl* im = impl();
  std::lock_guard<std::mutex> lock(im->mu);
  auto it = im->block_bytes.find(p);
  const size_t sz = it != im->block_bytes.end() ? it->second : round_size(bytes);
  if (it != im->block_bytes.end()) im->block_bytes.erase(it);
  if (!im->block_tag.empty()) im->uncharge(p, sz);
  im->free_blocks[sz].push_back(p);
  im->stats.current_bytes -= sz;
  im->stats.cached_bytes += sz;
}

void CachingAllocator::empty_cache() {
  Impl* im = impl();
  std::lock_guard<std::mutex> lock(im->mu);
  for (auto& kv : im->free_blocks)
    for (void* p : kv.second) raw_->raw_free(p, kv.first);
  im->free_blocks.clear();
  im->stats.cached_bytes = 0;
}

MemoryStats CachingAllocator::stats() const {
  auto* self = const_cast<CachingAllocator*>(this);
  Impl* im = self->impl();
  std::lock_guard<std::mutex> lock(im->mu);
  return im->stats;
}

void CachingAllocator::reset_peak() {
  Impl* im = impl();
  std::lock_guard<std::mutex> lock(im->mu);
  im->stats.peak_bytes = im->stats.current_bytes;
}

void CachingAllocator::retag(void* p, MemoryTag tag) {
  if (!memory_tagging() || !p) return;
  Impl* im = impl();
  std::lock_guard<std::mutex> lock(im->mu);
  auto it = im->block_bytes.find(p);
  if (it == im->block_bytes.end()) return;
  im->uncharge(p, it->second);
  im->charge(p, it->second, tag);
}

std::vector<TaggedBytes> CachingAllocator::tagged_stats() const {
  auto* self = const_cast<CachingAllocator*>(this);
  Impl* im = self->impl();
  std::lock_guard<std::mutex> lock(im->mu);
  std::vector<TaggedBytes> out;
  for (const auto& kv : im->tags) out.push_back(kv.second);
  return out;
}

void CachingAllocator::reset_tag_stats() {
  Impl* im = impl();
  std::lock_guard<std::mutex> lock(im->mu);
  for (auto it = im->tags.begin(); it != im->tags.end();) {
    if (it->second.live_bytes == 0) {
      it = im->tags.erase(it);
    } else {
      it->second.peak_bytes = it->second.live_bytes;
      ++it;
    }
  }
}

namespace {

// MemAvailable of /proc/meminfo in bytes, SIZE_MAX when unreadable.
size_t host_available_bytes() {
  std::FILE* f = std::fopen("/proc/meminfo", "r");
  if (!f) return SIZE_MAX;
  char line[256];
  size_t kb = SIZE_MAX;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "MemAvailable: %zu kB", &kb) == 1) break;
  std::fclose(f);
  return kb == SIZE_MAX ? SIZE_MAX : kb * 1024;
}

class HostRawAllocator : public RawAllocator {
 public:
  // A large block beyond what the host can give now is refused (nullptr: the caching allocator empties
  // its cache, retries, then reports). Linux would grant it and kill the process when it is touched.
  void* raw_alloc(size_t bytes) override {
    if (bytes >= (size_t(64) << 20) && bytes > host_available_bytes()) return nullptr;
    return std::aligned_alloc(64, bytes);
  }
  size_t available_bytes() const override { return host_available_bytes(); }
  void raw_free(void* p, size_t) override { std::free(p); }
  void copy(void* dst, const void* src, size_t bytes, int) override { std::memcpy(dst, src, bytes); }
  void memset_zero(void* p, size_t bytes) override { std::memset(p, 0, bytes); }
  // RAM plus swap: Linux's default overcommit grants a larger request that then dies touching memory.
  size_t capacity_bytes() const override {
    struct sysinfo si;
    if (::sysinfo(&si) != 0) return SIZE_MAX;
    return (static_cast<size_t>(si.totalram) + si.totalswap) * si.mem_unit;
  }
};

struct Registry {
  HostRawAllocator host_raw;
  CachingAllocator cpu{&host_raw};
  std::unique_ptr<CachingAllocator> cuda;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: tensors may outlive static destructors
  return *r;
}

}  // namespace

CachingAllocator& allocator_for(DeviceType type) {
  Registry& r = registry();
  if (type == DeviceType::CPU) return r.cpu;
  DPT_CHECK(r.cuda, "CUDA device requested, but this build has no CUDA backend "
                        "(configure with -DDPT_CUDA=ON, or use --device cpu)");
  return *r.cuda;
}

void register_device_allocator(DeviceType type, RawAllocator* raw) {
  DPT_CHECK(type == DeviceType::CUDA, "only the CUDA allocator can be registered");
  registry().cuda = std::make_unique<CachingAllocator>(raw);
}

bool device_available(DeviceType type) { return type == DeviceType::CPU || registry().cuda != nullptr; }

Device Device::parse(const std::string& s) {
  if (s == "cpu") return cpu();
  if (s == "cuda") return cuda(0);
  if (s.rfind("cuda:", 0) == 0) {
    char* end = nullptr;
    long i = std::strtol(s.c_str() + 5, &end, 10);
    if (end && *end == 0 && i >= 0 && s.size() > 5) return cuda(static_cast<int>(i));
  }
  DPT_FAIL("unknown device '" << s << "' (expected cpu, cuda or cuda:N)");
}

}  // namespace dpt
