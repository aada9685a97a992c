// OpenMP-backed parallel_for and the process-wide thread count (also handed to OpenBLAS).
#include "core/threading.h"

#include <cstdlib>
#include <thread>

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
  return n ? static_cast<int>(n) : 1;
}

int& thread_count() {
  static int n = [] {
    int v = 0;
    if (const char* env = std::getenv("DPT_THREADS")) v = std::atoi(env);
    int count = v > 0 ? v : hardware_threads();
#ifdef _OPENMP
    omp_set_num_threads(count);
#endif
#ifdef DPT_HAVE_OPENBLAS
    openblas_set_num_threads(count);
#endif
    return count;
  }();
  return n;
}
}  // namespace

int num_threads() { return thread_count(); }

void set_num_threads(int n) {
  thread_count() = n > 0 ? n : hardware_threads();
#ifdef _OPENMP
  omp_set_num_threads(thread_count());
#endif
#ifdef DPT_HAVE_OPENBLAS
  openblas_set_num_threads(thread_count());
#endif
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
