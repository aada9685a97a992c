// The CUDA backend's runtime: the raw device allocator behind the caching allocator, the stream,
// device selection, launch checks, and the registration of both with core/ at start-up.
// In DPT_CUDA=EMU builds the allocator is the emulator's guarded arena (ops/cuda/emu/emu.h).
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "core/allocator.h"
#include "core/device_ops.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/runtime.h"

namespace dpt::cuda {

// DeviceOps kernels (ops/cuda/device_ops.cu).
void copy_strided(const Tensor& dst, const Tensor& src);
void fill(const Tensor& dst, double value);
void add_inplace(const Tensor& dst, const Tensor& src);

namespace {
std::atomic<long long> g_launches{0};
}

long long launch_count() { return g_launches.load(); }
void count_library_call() { ++g_launches; }

void check_launch(const char* name, dim3 grid, dim3 block, size_t smem) {
  ++g_launches;
  const uint64_t threads = uint64_t(block.x) * block.y * block.z;
  DPT_CHECK(threads >= 1 && threads <= 1024 && block.z <= 64,
            "cuda: kernel '" << name << "': block (" << block.x << "," << block.y << "," << block.z
                             << ") is not a valid block size");
  DPT_CHECK(grid.x < (1u << 31) && grid.y <= 65535 && grid.z <= 65535,
            "cuda: kernel '" << name << "': grid (" << grid.x << "," << grid.y << "," << grid.z << ") is too large");
  DPT_CHECK(smem <= 48 * 1024, "cuda: kernel '" << name << "': " << smem << " bytes of dynamic shared memory (max 48 KiB)");
}

#ifdef DPT_CUDA_EMU
// =============================================================== emulation
namespace {

class EmuRawAllocator : public RawAllocator {
 public:
  void* raw_alloc(size_t bytes) override { return emu::device_alloc(bytes); }
  void raw_free(void* p, size_t bytes) override { emu::device_free(p, bytes); }
  void on_allocate(void* p, size_t bytes, size_t) override { emu::device_set_used(p, bytes); }
  void copy(void* dst, const void* src, size_t bytes, int kind) override {
    DPT_CHECK(kind == 1 || emu::is_device_pointer(dst), "cuda-emu: copy kind " << kind << " into host memory " << dst);
    DPT_CHECK(kind == 0 || emu::is_device_pointer(src), "cuda-emu: copy kind " << kind << " from host memory " << src);
    emu::HostAccess access;
    std::memmove(dst, src, bytes);
  }
  void memset_zero(void* p, size_t bytes) override {
    DPT_CHECK(emu::is_device_pointer(p), "cuda-emu: memset of host memory " << p);
    emu::HostAccess access;
    std::memset(p, 0, bytes);
  }
};

}  // namespace

void check_pointer_arg(const char* name, int index, const void* p) {
  DPT_CHECK(p == nullptr || emu::is_device_pointer(p),
            "cuda-emu: kernel '" << name << "': argument " << index << " (" << p
                                 << ") is not device memory; a GPU would fault on it");
}

Stream current_stream() { return nullptr; }
int device_count() { return 1; }
const char* no_device_reason() { return ""; }
void set_device(int index) {
  DPT_CHECK(index == 0, "cuda: device cuda:" << index << " does not exist (the emulator has 1 device)");
}
int current_device() { return 0; }
void synchronize() {}
unsigned max_grid_blocks() {
  static unsigned n = [] {
    const char* e = std::getenv("DPT_EMU_MAX_BLOCKS");
    int v = e ? std::atoi(e) : 8;
    return static_cast<unsigned>(v > 0 ? v : 8);
  }();
  return n;
}

#else
// =============================================================== nvcc
namespace {

struct Runtime {
  std::mutex mu;
  int device = 0;
  bool device_set = false;
  cudaStream_t stream = nullptr;
  int count = -1;
  std::string reason;
  unsigned max_blocks = 0;
};

Runtime& rt() {
  static Runtime* r = new Runtime;  // never destroyed: tensors may be freed during static destruction
  return *r;
}

// Makes the chosen device current on the calling thread (CUDA's current device is per thread).
void ensure_device() {
  Runtime& r = rt();
  int n = device_count();
  DPT_CHECK(n > 0, "cuda: no CUDA device available (" << r.reason << "); use --device cpu");
  int cur = -1;
  if (cudaGetDevice(&cur) != cudaSuccess || cur != r.device) check(cudaSetDevice(r.device), "cudaSetDevice");
}

class CudaRawAllocator : public RawAllocator {
 public:
  void* raw_alloc(size_t bytes) override {
    ensure_device();
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, bytes);
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();  // clear it; the caching allocator frees its cache and retries
      return nullptr;
    }
    check(err, "cudaMalloc");
    return p;
  }
  void raw_free(void* p, size_t) override {
    // At process exit the driver may already be gone; nothing useful can be done about an error.
    (void)cudaFree(p);
  }
  void copy(void* dst, const void* src, size_t bytes, int kind) override {
    ensure_device();
    static const cudaMemcpyKind kinds[3] = {cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice};
    check(cudaMemcpyAsync(dst, src, bytes, kinds[kind], current_stream()), "cudaMemcpyAsync");
    // Host buffers may be reused as soon as we return: wait for host <-> device copies.
    if (kind != 2) check(cudaStreamSynchronize(current_stream()), "cudaStreamSynchronize after a copy");
  }
  void memset_zero(void* p, size_t bytes) override {
    ensure_device();
    check(cudaMemsetAsync(p, 0, bytes, current_stream()), "cudaMemsetAsync");
  }
};

}  // namespace

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) DPT_FAIL("cuda: " << what << " failed: " << cudaGetErrorName(err) << ": " << cudaGetErrorString(err));
}

void check_last_launch(const char* name) {
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess)
    DPT_FAIL("cuda: launching kernel '" << name << "' failed: " << cudaGetErrorName(err) << ": " << cudaGetErrorString(err));
  if (std::getenv("DPT_CUDA_SYNC")) {  // debugging: surface asynchronous faults at the failing kernel
    err = cudaStreamSynchronize(current_stream());
    if (err != cudaSuccess)
      DPT_FAIL("cuda: kernel '" << name << "' failed: " << cudaGetErrorName(err) << ": " << cudaGetErrorString(err));
  }
}

int device_count() {
  Runtime& r = rt();
  std::lock_guard<std::mutex> lock(r.mu);
  if (r.count < 0) {
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
      r.reason = std::string("cudaGetDeviceCount: ") + cudaGetErrorName(err) + ": " + cudaGetErrorString(err);
      (void)cudaGetLastError();
      n = 0;
    } else if (n == 0) {
      r.reason = "cudaGetDeviceCount reports 0 devices";
    }
    r.count = n;
  }
  return r.count;
}

const char* no_device_reason() {
  device_count();
  return rt().reason.c_str();
}

void set_device(int index) {
  int n = device_count();
  DPT_CHECK(index >= 0 && index < n,
            "cuda: device cuda:" << index << " does not exist (" << n << " CUDA devices"
                                 << (n ? "" : std::string("; ") + rt().reason) << ")");
  Runtime& r = rt();
  std::lock_guard<std::mutex> lock(r.mu);
  DPT_CHECK(!r.stream || r.device == index,
            "cuda: the device is chosen once per process (cuda:" << r.device << " is already in use)");
  r.device = index;
  check(cudaSetDevice(index), "cudaSetDevice");
}

int current_device() { return rt().device; }

Stream current_stream() {
  Runtime& r = rt();
  if (r.stream) return r.stream;
  ensure_device();
  std::lock_guard<std::mutex> lock(r.mu);
  if (!r.stream) check(cudaStreamCreateWithFlags(&r.stream, cudaStreamNonBlocking), "cudaStreamCreate");
  return r.stream;
}

void synchronize() { check(cudaStreamSynchronize(current_stream()), "cudaStreamSynchronize"); }

unsigned max_grid_blocks() {
  Runtime& r = rt();
  if (!r.max_blocks) {
    ensure_device();
    int sms = 0;
    check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, r.device), "cudaDeviceGetAttribute");
    r.max_blocks = static_cast<unsigned>(sms > 0 ? 32 * sms : 1024);
  }
  return r.max_blocks;
}
#endif

// =============================================================== both builds
namespace {
int g_deterministic = -1;  // -1: not yet read from the environment
}

void set_deterministic(bool on) { g_deterministic = on ? 1 : 0; }

bool deterministic() {
  if (g_deterministic < 0) {
    const char* e = std::getenv("DPT_CUDA_DETERMINISTIC");
    g_deterministic = (e && e[0] == '1') ? 1 : 0;
  }
  return g_deterministic == 1;
}

// =============================================================== registration with core/
namespace {

#ifdef DPT_CUDA_EMU
using BackendRawAllocator = EmuRawAllocator;
#else
using BackendRawAllocator = CudaRawAllocator;
#endif

// No CUDA call happens here: a build with the CUDA backend starts fine on a machine without a GPU.
struct Registrar {
  Registrar() {
    register_device_allocator(DeviceType::CUDA, new BackendRawAllocator);  // leaked on purpose
    DeviceOps ops;
    ops.copy_strided = copy_strided;
    ops.fill = fill;
    ops.add_inplace = add_inplace;
    register_device_ops(DeviceType::CUDA, ops);
  }
};
Registrar registrar;

}  // namespace
}  // namespace dpt::cuda

// cmake/cuda_backend.cmake links every program with -Wl,-u,dpt_cuda_runtime_anchor, so that this object
// (and its Registrar) is taken from libdpt_ops.a even by a program that calls no CUDA kernel directly.
extern "C" {
int dpt_cuda_runtime_anchor = 0;
}
