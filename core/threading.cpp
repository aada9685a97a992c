// OpenMP-backed parallel_for and the process-wide thread count (also handed to OpenBLAS).
#include "core/threading.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <unistd.h>

#include "core/error.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef DPT_HAVE_OPENBLAS
extern "C" void openblas_set_num_threads(int);
#endif

namespace dpt {

namespace {
int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(std::min<unsigned>(n, kMaxThreads)) : 1;
}

// Starts n - 1 threads that stay alive together (the pool size OpenMP will keep), then releases them.
// A failed creation is an Error here; inside OpenMP or OpenBLAS it would end the process (see the header).
void probe_thread_creation(int n) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::vector<std::thread> pool;
  std::string failure;
  try {
    pool.reserve(static_cast<size_t>(n));
    for (int i = 1; i < n; ++i)
      pool.emplace_back([&] {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return release; });
      });
  } catch (const std::system_error& e) {
    failure = e.what();
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  const size_t made = pool.size() + 1;
  for (std::thread& t : pool) t.join();
  DPT_CHECK(failure.empty(), "cannot run " << n << " threads: creating thread " << made + 1 << " failed ("
                                           << failure << "); use fewer threads (--threads or DPT_THREADS)");
}

void apply(int count) {
#ifdef _OPENMP
  omp_set_num_threads(count);
#endif
#ifdef DPT_HAVE_OPENBLAS
  openblas_set_num_threads(count);
#endif
}

// A requested count -> the count to use (0 or less: all cores), checked.
int checked_count(long long n, const char* what) {
  DPT_CHECK(n <= kMaxThreads, what << ": " << n << " threads requested, at most " << kMaxThreads << " are supported");
  const int count = n > 0 ? static_cast<int>(n) : hardware_threads();
  probe_thread_creation(count);
  return count;
}

int& thread_count() {
  static int n = [] {
    long long v = 0;
    if (const char* env = std::getenv("DPT_THREADS")) {
      char* end = nullptr;
      v = std::strtoll(env, &end, 10);
      DPT_CHECK(*env && *end == '\0' && v >= 0, "DPT_THREADS must be an integer in 0.." << kMaxThreads
                                                                                      << " (0: all cores), got '"
                                                                                      << env << "'");
    }
    const int count = checked_count(v, "DPT_THREADS");
    apply(count);
    return count;
  }();
  return n;
}
}  // namespace

int num_threads() { return thread_count(); }

void set_num_threads(int n) {
  const int count = checked_count(n, "set_num_threads");
  thread_count() = count;
  apply(count);
}

void use_bounded_wait_policy(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT") || std::getenv("OPENBLAS_THREAD_TIMEOUT")) return;
  setenv("GOMP_SPINCOUNT", "10000", 1);
  setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
  execv("/proc/self/exe", argv);  // returns only on failure (no /proc): go on with the defaults
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  int threads = num_threads();
#ifdef _OPENMP
  if (omp_in_parallel()) threads = 1;
#endif
  int64_t chunks = std::min<int64_t>(threads, (n + std::max<int64_t>(grain, 1) - 1) / std::max<int64_t>(grain, 1));
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(static_cast<int>(chunks)) schedule(static, 1)
#endif
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
    fn(b, e);
  }
}

}  // namespace dpt
