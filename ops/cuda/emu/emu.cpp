// The CUDA emulator's runtime (Note [CUDA emulation] in ops/cuda/emu/emu.h): the fiber scheduler of
// one block, the barrier, the watchdog, and the guarded, access-protected device-memory arena.
#include "ops/cuda/emu/emu.h"

#include <execinfo.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"

uint3 threadIdx = {0, 0, 0};
uint3 blockIdx = {0, 0, 0};
dim3 blockDim;
dim3 gridDim;

namespace dpt::cuda::emu {
namespace {

// =============================================================== block scheduler
constexpr size_t kStackBytes = 256 * 1024;  // per emulated thread; a PROT_NONE page below catches overflow
constexpr size_t kSmemGuard = 64;
constexpr unsigned char kSmemPoison = 0xFF;  // NaN in float and double
constexpr unsigned char kGuardByte = 0xCD;

struct Fiber {
  ucontext_t ctx;
  char* stack = nullptr;  // mapping start (guard page first)
  uint3 tid{0, 0, 0};
  enum State { Ready, Waiting, Done } state = Ready;
  const char* file = nullptr;
  int line = 0;
};

struct Scheduler {
  std::vector<Fiber*> pool;  // grows to the largest block seen; stacks are reused
  ucontext_t sched_ctx;
  Fiber* current = nullptr;
  const std::function<void()>* body = nullptr;
  std::vector<unsigned char> smem;  // guard | dynamic shared memory | guard
  size_t smem_bytes = 0;
  Stats stats;
};

Scheduler& sched() {
  static Scheduler* s = new Scheduler;
  return *s;
}

std::mutex& launch_mutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}

// What the watchdog reports (written by the launching thread, read racily by the watchdog).
std::atomic<int64_t> g_block_started_ns{0};  // 0: no block running
const char* volatile g_kernel_name = "";
volatile unsigned g_block[3], g_thread[3];

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void start_watchdog_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    double timeout = 300;
    if (const char* e = std::getenv("DPT_EMU_TIMEOUT")) timeout = std::atof(e);
    if (timeout <= 0) return;
    std::thread([timeout] {
      for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        int64_t t0 = g_block_started_ns.load();
        if (t0 && (now_ns() - t0) * 1e-9 > timeout) {
          std::fprintf(stderr,
                       "\ncuda-emu watchdog: kernel '%s', block (%u,%u,%u) has run for more than %.0f s; thread "
                       "(%u,%u,%u) was scheduled last. An emulated thread that waits for another one without "
                       "__syncthreads() (a spin loop) never yields. Aborting.\n",
                       g_kernel_name, g_block[0], g_block[1], g_block[2], timeout, g_thread[0], g_thread[1],
                       g_thread[2]);
          std::abort();
        }
      }
    }).detach();
  });
}

Fiber* new_fiber() {
  Fiber* f = new Fiber;
  void* m = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  DPT_CHECK(m != MAP_FAILED, "cuda-emu: cannot map a fiber stack");
  mprotect(m, 4096, PROT_NONE);  // overflow guard (stacks grow down)
  f->stack = static_cast<char*>(m);
  return f;
}

void fiber_entry() {
  Scheduler& s = sched();
  (*s.body)();
  s.current->state = Fiber::Done;
  // returning resumes uc_link = the scheduler
}

void run_block(const char* kernel, uint3 block, unsigned nthreads, bool reverse) {
  Scheduler& s = sched();
  while (s.pool.size() < nthreads) s.pool.push_back(new_fiber());
  for (unsigned t = 0; t < nthreads; ++t) {
    Fiber* f = s.pool[t];
    getcontext(&f->ctx);
    f->ctx.uc_stack.ss_sp = f->stack + 4096;
    f->ctx.uc_stack.ss_size = kStackBytes - 4096;
    f->ctx.uc_link = &s.sched_ctx;
    makecontext(&f->ctx, fiber_entry, 0);
    f->tid = {t % blockDim.x, (t / blockDim.x) % blockDim.y, t / (blockDim.x * blockDim.y)};
    f->state = Fiber::Ready;
  }
  if (s.smem_bytes) {
    std::memset(s.smem.data() + kSmemGuard, kSmemPoison, s.smem_bytes);
  }
  blockIdx = block;
  g_block[0] = block.x, g_block[1] = block.y, g_block[2] = block.z;
  g_block_started_ns.store(now_ns());
  for (;;) {
    for (unsigned k = 0; k < nthreads; ++k) {
      Fiber* f = s.pool[reverse ? nthreads - 1 - k : k];
      if (f->state != Fiber::Ready) continue;
      s.current = f;
      threadIdx = f->tid;
      g_thread[0] = f->tid.x, g_thread[1] = f->tid.y, g_thread[2] = f->tid.z;
      swapcontext(&s.sched_ctx, &f->ctx);
    }
    s.current = nullptr;
    // Every thread has returned or waits at a barrier.
    const Fiber* first = nullptr;
    for (unsigned t = 0; t < nthreads; ++t) {
      Fiber* f = s.pool[t];
      if (f->state != Fiber::Waiting) continue;
      if (!first) {
        first = f;
      } else if (f->line != first->line || std::strcmp(f->file, first->file) != 0) {
        g_block_started_ns.store(0);
        DPT_FAIL("cuda-emu: kernel '" << kernel << "', block (" << block.x << "," << block.y << "," << block.z
                                      << "): divergent __syncthreads(): thread (" << first->tid.x << ","
                                      << first->tid.y << "," << first->tid.z << ") waits at " << first->file << ":"
                                      << first->line << ", thread (" << f->tid.x << "," << f->tid.y << ","
                                      << f->tid.z << ") at " << f->file << ":" << f->line);
      }
    }
    if (!first) break;
    for (unsigned t = 0; t < nthreads; ++t)
      if (s.pool[t]->state == Fiber::Waiting) s.pool[t]->state = Fiber::Ready;
    ++s.stats.barriers;
  }
  g_block_started_ns.store(0);
  if (s.smem_bytes) {
    const unsigned char* lo = s.smem.data();
    const unsigned char* hi = s.smem.data() + kSmemGuard + s.smem_bytes;
    for (size_t i = 0; i < kSmemGuard; ++i)
      DPT_CHECK(lo[i] == kGuardByte && hi[i] == kGuardByte,
                "cuda-emu: kernel '" << kernel << "', block (" << block.x << "," << block.y << "," << block.z
                                     << ") wrote outside its " << s.smem_bytes << " bytes of dynamic shared memory");
  }
}

// =============================================================== device memory arena
constexpr size_t kPage = 4096;
constexpr size_t kFrontGuard = 64;  // keeps the user pointer 64-byte aligned
constexpr size_t kBackGuardMin = 64;
constexpr unsigned char kPoison = 0xFF;

struct Arena {
  std::recursive_mutex mu;
  char* base = nullptr;
  size_t reserved = 0;
  size_t used = 0;                                // [base, base + used) has been handed out
  struct Block {
    size_t bytes;  // the raw block
    size_t used;   // what the caching allocator handed it out for; guarded beyond
  };
  std::map<char*, Block> live;                    // user pointer -> block
  std::map<size_t, std::vector<char*>> free_spans;  // span bytes -> span starts
  int access_depth = 0;
  bool protect = true;
  struct sigaction old_segv;
};

Arena& arena();

void segv_handler(int sig, siginfo_t* info, void* uctx) {
  Arena& a = arena();
  char* addr = static_cast<char*>(info->si_addr);
  if (a.base && addr >= a.base && addr < a.base + a.reserved) {
    char msg[256];
    int n = std::snprintf(msg, sizeof msg,
                          "\ncuda-emu: host code dereferenced emulated device memory at %p outside a kernel or a "
                          "copy (on a GPU this is a crash too). Backtrace:\n",
                          static_cast<void*>(addr));
    if (n > 0) (void)!write(2, msg, static_cast<size_t>(n));
    void* frames[64];
    int nf = backtrace(frames, 64);
    backtrace_symbols_fd(frames, nf, 2);
    signal(SIGSEGV, SIG_DFL);  // returning re-executes the access, which now kills the process
    return;
  }
  if (a.old_segv.sa_flags & SA_SIGINFO) {
    a.old_segv.sa_sigaction(sig, info, uctx);
  } else if (a.old_segv.sa_handler != SIG_DFL && a.old_segv.sa_handler != SIG_IGN) {
    a.old_segv.sa_handler(sig);
  } else {
    signal(SIGSEGV, SIG_DFL);
  }
}

Arena& arena() {
  static Arena* a = [] {
    Arena* r = new Arena;
    for (size_t sz = size_t(1) << 38; sz >= (size_t(1) << 30); sz >>= 1) {
      void* m = mmap(nullptr, sz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (m != MAP_FAILED) {
        r->base = static_cast<char*>(m);
        r->reserved = sz;
        break;
      }
    }
    if (const char* e = std::getenv("DPT_EMU_NO_PROTECT")) r->protect = !(e[0] == '1');
    if (r->base && r->protect) {
      struct sigaction sa;
      std::memset(&sa, 0, sizeof sa);
      sa.sa_sigaction = segv_handler;
      sa.sa_flags = SA_SIGINFO;
      sigemptyset(&sa.sa_mask);
      sigaction(SIGSEGV, &sa, &r->old_segv);
    } else if (r->base) {
      mprotect(r->base, r->reserved, PROT_READ | PROT_WRITE);
    }
    return r;
  }();
  return *a;
}

void set_access(Arena& a, bool on) {
  if (!a.protect || a.used == 0) return;
  mprotect(a.base, a.used, on ? PROT_READ | PROT_WRITE : PROT_NONE);
}

size_t span_of(size_t bytes) { return (kFrontGuard + bytes + kBackGuardMin + kPage - 1) / kPage * kPage; }

std::string describe_block(const Arena& a, const char* user, size_t bytes) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "the %zu-byte device block at %p (offset 0x%zx in the arena)", bytes,
                static_cast<const void*>(user), static_cast<size_t>(user - a.base));
  return buf;
}

// Index of the first byte of [p, p + n) that is not the guard byte, or n.
size_t first_unguarded(const unsigned char* p, size_t n) {
  size_t i = 0;
  for (; i < n && (reinterpret_cast<uintptr_t>(p + i) & 7) != 0; ++i)
    if (p[i] != kGuardByte) return i;
  uint64_t word;
  std::memset(&word, kGuardByte, sizeof word);
  for (; i + 8 <= n; i += 8)
    if (*reinterpret_cast<const uint64_t*>(p + i) != word) break;
  for (; i < n; ++i)
    if (p[i] != kGuardByte) return i;
  return n;
}

// Returns "" when both guards are intact, else a description of the first damaged byte. The back guard
// runs from the end of the used bytes to the end of the span.
std::string damaged_guard(const Arena& a, char* user, const Arena::Block& b) {
  const unsigned char* front = reinterpret_cast<unsigned char*>(user - kFrontGuard);
  size_t i = first_unguarded(front, kFrontGuard);
  if (i < kFrontGuard)
    return "byte " + std::to_string(kFrontGuard - i) + " before the start of " + describe_block(a, user, b.used);
  const size_t back = span_of(b.bytes) - kFrontGuard - b.used;
  i = first_unguarded(reinterpret_cast<unsigned char*>(user + b.used), back);
  if (i < back) return "byte " + std::to_string(i) + " past the end of " + describe_block(a, user, b.used);
  return "";
}

}  // namespace

// =============================================================== public entry points
void syncthreads(const char* file, int line) {
  Scheduler& s = sched();
  if (!s.current) {
    std::fprintf(stderr, "cuda-emu: __syncthreads() called outside a kernel (%s:%d)\n", file, line);
    std::abort();
  }
  Fiber* f = s.current;
  f->state = Fiber::Waiting;
  f->file = file;
  f->line = line;
  swapcontext(&f->ctx, &s.sched_ctx);
}

void* dynamic_shared() {
  Scheduler& s = sched();
  return s.smem_bytes ? s.smem.data() + kSmemGuard : nullptr;
}

void run_grid(const char* kernel, dim3 grid, dim3 block, size_t dynamic_smem, const std::function<void()>& body) {
  std::lock_guard<std::mutex> lock(launch_mutex());
  start_watchdog_once();
  Scheduler& s = sched();
  const unsigned nthreads = block.x * block.y * block.z;
  DPT_CHECK(nthreads >= 1 && nthreads <= 1024,
            "cuda-emu: kernel '" << kernel << "' launched with " << nthreads << " threads per block");
  s.body = &body;
  s.smem_bytes = dynamic_smem;
  s.smem.assign(dynamic_smem + 2 * kSmemGuard, kGuardByte);
  g_kernel_name = kernel;
  gridDim = grid;
  blockDim = block;
  ++s.stats.launches;
  {
    HostAccess access;
    uint64_t linear = 0;
    for (unsigned bz = 0; bz < grid.z; ++bz)
      for (unsigned by = 0; by < grid.y; ++by)
        for (unsigned bx = 0; bx < grid.x; ++bx, ++linear) {
          run_block(kernel, uint3{bx, by, bz}, nthreads, linear % 2 == 1);
          ++s.stats.blocks;
        }
  }
  s.body = nullptr;
  check_guards(kernel);
}

Stats stats() {
  std::lock_guard<std::mutex> lock(launch_mutex());
  return sched().stats;
}

void* device_alloc(size_t bytes) {
  Arena& a = arena();
  std::lock_guard<std::recursive_mutex> lock(a.mu);
  if (!a.base) return nullptr;
  const size_t span = span_of(bytes);
  char* start = nullptr;
  auto it = a.free_spans.find(span);
  if (it != a.free_spans.end() && !it->second.empty()) {
    start = it->second.back();
    it->second.pop_back();
  } else {
    if (a.used + span > a.reserved) return nullptr;
    start = a.base + a.used;
    a.used += span;
    if (a.access_depth > 0 && a.protect) mprotect(start, span, PROT_READ | PROT_WRITE);
  }
  HostAccess access;
  std::memset(start, kGuardByte, span);
  char* user = start + kFrontGuard;
  std::memset(user, kPoison, bytes);
  a.live[user] = Arena::Block{bytes, bytes};
  return user;
}

void device_set_used(void* p, size_t used) {
  Arena& a = arena();
  std::lock_guard<std::recursive_mutex> lock(a.mu);
  char* user = static_cast<char*>(p);
  auto it = a.live.find(user);
  DPT_CHECK(it != a.live.end(), "cuda-emu: " << p << " is not a live device block");
  DPT_CHECK(used <= it->second.bytes, "cuda-emu: " << used << " bytes used of a " << it->second.bytes << "-byte block");
  HostAccess access;
  std::string bad = damaged_guard(a, user, it->second);
  DPT_CHECK(bad.empty(), "cuda-emu: when reusing device memory: a write landed on " << bad);
  it->second.used = used;
  std::memset(user, kPoison, used);  // like fresh device memory: reads before writes see NaN
  std::memset(user + used, kGuardByte, span_of(it->second.bytes) - kFrontGuard - used);
}

void device_free(void* p, size_t bytes) {
  if (!p) return;
  Arena& a = arena();
  std::lock_guard<std::recursive_mutex> lock(a.mu);
  char* user = static_cast<char*>(p);
  auto it = a.live.find(user);
  DPT_CHECK(it != a.live.end(), "cuda-emu: freeing " << p << ", which is not a live device block");
  DPT_CHECK(it->second.bytes == bytes,
            "cuda-emu: freeing a " << it->second.bytes << "-byte device block as " << bytes << " bytes");
  HostAccess access;
  std::string bad = damaged_guard(a, user, it->second);
  DPT_CHECK(bad.empty(), "cuda-emu: when freeing device memory: a write landed on " << bad);
  std::memset(user, kPoison, bytes);  // use after free reads NaN
  a.live.erase(it);
  a.free_spans[span_of(bytes)].push_back(user - kFrontGuard);
}

bool is_device_pointer(const void* p) {
  Arena& a = arena();
  const char* c = static_cast<const char*>(p);
  return a.base && c >= a.base && c <= a.base + a.used;
}

void check_guards(const char* after_what) {
  Arena& a = arena();
  std::lock_guard<std::recursive_mutex> lock(a.mu);
  HostAccess access;
  for (auto& kv : a.live) {
    std::string bad = damaged_guard(a, kv.first, kv.second);
    DPT_CHECK(bad.empty(), "cuda-emu: kernel '" << after_what << "' wrote outside a device allocation: " << bad);
  }
}

HostAccess::HostAccess() {
  Arena& a = arena();
  std::lock_guard<std::recursive_mutex> lock(a.mu);
  if (a.access_depth++ == 0) set_access(a, true);
}

HostAccess::~HostAccess() {
  Arena& a = arena();
  std::lock_guard<std::recursive_mutex> lock(a.mu);
  if (--a.access_depth == 0) set_access(a, false);
}

}  // namespace dpt::cuda::emu
