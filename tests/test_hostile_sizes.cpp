// Issue 15, sizes and threads: absurd shapes, byte counts and thread counts are Errors naming the numbers
// (Note [size limits] in core/allocator.cpp, set_num_threads in core/threading.h), never a wrapped size,
// an endless loop or a crash.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "core/allocator.h"
#include "core/checked_math.h"
#include "core/tensor.h"
#include "core/threading.h"
#include "models/dpt/inference.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

// A device with a fixed memory size that counts the raw allocations it is asked for.
class SmallDevice : public RawAllocator {
 public:
  explicit SmallDevice(size_t capacity, bool fail = false) : capacity_(capacity), fail_(fail) {}
  void* raw_alloc(size_t bytes) override {
    ++calls;
    return fail_ ? nullptr : std::aligned_alloc(64, bytes);
  }
  void raw_free(void* p, size_t) override { std::free(p); }
  void copy(void* dst, const void* src, size_t bytes, int) override { std::memcpy(dst, src, bytes); }
  void memset_zero(void* p, size_t bytes) override { std::memset(p, 0, bytes); }
  size_t capacity_bytes() const override { return capacity_; }
  int calls = 0;

 private:
  size_t capacity_;
  bool fail_;
};

}  // namespace

TEST_CASE("hostile/sizes/checked multiplication") {
  int64_t r = 0;
  CHECK(mul_fits(3037000499LL, 3037000499LL, &r));  // floor(sqrt(2^63 - 1))^2 still fits
  CHECK(r == 3037000499LL * 3037000499LL);
  CHECK_FALSE(mul_fits(3037000500LL, 3037000500LL, &r));
  CHECK_FALSE(mul_fits(INT64_MAX, 2, &r));
  CHECK_FALSE(mul_fits(-1, 2, &r));
  CHECK(mul_fits(INT64_MAX, 1, &r));
  CHECK(mul_fits(0, INT64_MAX, &r));
  CHECK(r == 0);
  CHECK_ERROR(checked_mul(INT64_MAX, 3, "tile"), "tile", "9223372036854775807 x 3", "overflows");
}

TEST_CASE("hostile/sizes/shape products overflow into an Error naming the shape") {
  const int64_t big = int64_t(1) << 32;
  CHECK_ERROR(shape_numel({big, big}), "[4294967296, 4294967296]", "overflows");
  CHECK_ERROR(shape_numel({3, -2}), "negative dimension", "[3, -2]");
  CHECK(shape_numel({0, big, big, big}) == 0);  // an empty tensor, however large its other dimensions
  CHECK(shape_numel({}) == 1);
  // Elements fit, bytes do not: 2^62 floats.
  CHECK_ERROR(Tensor::empty({int64_t(1) << 62}), "[4611686018427387904]", "bytes overflows");
  // The dpt-infer --tile-size cases of issue 15, at the library: a 6S x 4S atlas of S = 2^30 or 2^31 - 1.
  for (int64_t S : {int64_t(1) << 30, int64_t(2147483647)}) {
    CAPTURE(S);
    CHECK_ERROR(Tensor::empty({1, 3, 6 * S, 4 * S}), "overflows");
  }
}

TEST_CASE("hostile/sizes/the allocator refuses absurd requests instead of looping") {
  // round_size's power-of-two loop never ended past 2^63 (dpt-infer --tile-size 2147483647 spun forever).
  for (size_t bytes : {SIZE_MAX, (size_t(1) << 63) + 1, kMaxAllocationBytes + 1}) {
    CAPTURE(bytes);
    CHECK_ERROR(CachingAllocator::round_size(bytes), std::to_string(bytes), "limit");
  }
  CHECK(CachingAllocator::round_size(kMaxAllocationBytes) >= kMaxAllocationBytes);
  CHECK(CachingAllocator::round_size(5000) >= 5000);
  // 2^47 floats = 512 TiB > the 256 TiB limit; 2^44 floats = 64 TiB: below it, above any host's memory.
  CHECK_ERROR(Tensor::empty({int64_t(1) << 47}), "562949953421312 bytes", "limit");
  CHECK_ERROR(Tensor::empty({int64_t(1) << 44}), "70368744177664 bytes", "the device has");
}

TEST_CASE("hostile/sizes/a request above the device's memory is refused before it is tried") {
  SmallDevice dev(1 << 20);
  CachingAllocator alloc(&dev);
  CHECK_ERROR(alloc.allocate(3 << 20), "3145728 bytes", "the device has 1048576 bytes");
  CHECK(dev.calls == 0);
  void* p = alloc.allocate(1000);  // a small one still works
  CHECK(p != nullptr);
  alloc.release(p, 1000);
  // A device that is out of memory: the error names the request.
  SmallDevice full(size_t(1) << 40, /*fail=*/true);
  CachingAllocator alloc2(&full);
  CHECK_ERROR(alloc2.allocate(4096), "out of memory allocating 4096 bytes");
  CHECK(full.calls == 2);  // once, and once more after emptying the cache
}

TEST_CASE("hostile/sizes/a host request above the available memory is refused, not overcommitted") {
  // Linux grants such a request and kills the process when the memory is touched (a model config
  // needing absurd memory, e.g. a large atlas tile S). Nothing is touched here: the request fails first.
  const size_t available = allocator_for(DeviceType::CPU).raw()->available_bytes();
  REQUIRE(available != SIZE_MAX);  // /proc/meminfo is readable on Linux
  const int64_t floats = static_cast<int64_t>(available / 4 + (int64_t(1) << 28));  // 1 GiB more
  const std::string e = error_of([&] { Tensor::empty({floats}); });
  CHECK_MESSAGE((contains(e, "out of memory allocating") || contains(e, "the device has")), e);
  CHECK(contains(e, std::to_string(floats * 4) + " bytes"));
}

TEST_CASE("hostile/sizes/reshape with an overflowing shape") {
  Tensor t = Tensor::zeros({4});
  CHECK_ERROR(t.reshape({int64_t(1) << 40, int64_t(1) << 40, -1}), "reshape", "overflows");
  CHECK_ERROR(t.reshape({-3, 2}), "reshape", "negative");
  CHECK(t.reshape({2, -1}).shape() == Shape{2, 2});
}

TEST_CASE("hostile/sizes/an empty tensor fills, copies and reshapes without recursing") {
  Tensor z = Tensor::zeros({1, 3, 0, 5});  // used to recurse in fill_ (a 0 extent looked non-contiguous)
  CHECK(z.numel() == 0);
  CHECK(z.is_contiguous());
  z.fill_(2.0);
  CHECK(z.clone().shape() == Shape{1, 3, 0, 5});
  CHECK(z.reshape({0, 7}).numel() == 0);
}

TEST_CASE("hostile/sizes/splat_atlas with the tile sizes of issue 15") {
  // What dpt-infer --save-atlas --tile-size S runs after the command line (which bounds S itself).
  Tensor x = Tensor::zeros({1, 3, 8, 8});
  Tensor iuv = Tensor::zeros({1, 3, 8, 8});
  for (int64_t S : {int64_t(1073741824), int64_t(2147483647), int64_t(1) << 20}) {
    CAPTURE(S);
    const std::string e = error_of([&] { splat_atlas(x, iuv, S); });
    CHECK_MESSAGE((contains(e, "overflows") || contains(e, "limit") || contains(e, "the device has")), e);
  }
}

TEST_CASE("hostile/threads/set_num_threads caps the count") {
  set_num_threads(2);
  CHECK_ERROR(set_num_threads(kMaxThreads + 1), std::to_string(kMaxThreads + 1), "at most 256");
  CHECK_ERROR(set_num_threads(100000), "100000 threads requested");
  CHECK(num_threads() == 2);  // a refused request changes nothing
  set_num_threads(kMaxThreads);  // the largest count is accepted (its threads are created and released)
  CHECK(num_threads() == kMaxThreads);
  set_num_threads(0);  // all cores
  CHECK(num_threads() >= 1);
  set_num_threads(2);
}

// A failed thread creation must be an Error (OpenMP would exit and OpenBLAS deadlock in its exit
// handler). Provoked by an address-space limit in a child process, so that thread stacks cannot be
// mapped. Not compiled under the sanitizers: their runtime needs terabytes of address space itself.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
TEST_CASE("hostile/threads/a failed thread creation is an Error") {
  std::fflush(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const rlim_t now = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE));
    struct rlimit lim = {now + (64u << 20), now + (64u << 20)};  // room for a few thread stacks only
    if (setrlimit(RLIMIT_AS, &lim) != 0) _exit(3);
    int code = 4;
    try {
      set_num_threads(kMaxThreads);
      code = 5;  // created them all: the limit did not bite
    } catch (const Error& e) {
      code = contains(e.what(), "cannot run 256 threads") && contains(e.what(), "failed") ? 0 : 6;
    }
    _exit(code);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  // 0: the expected Error; 5 would mean the limit let 256 stacks through (then the case proves nothing).
  CHECK(WEXITSTATUS(status) == 0);
}
#endif
