// dpt-bench peak: the machine's FP32 FMA peak, measured, so that every benchmark row can be read as a
// fraction of what this machine (its vector width, its thread count) can do at best.
#pragma once

namespace dpt::bench {

struct Peak {
  double gflops = 0;      // FP32 GFLOP/s over all threads (an FMA counts as 2 FLOPs)
  const char* isa = "";   // "avx512", "avx2+fma" or "sse"
  int threads = 0;
};

// Runs an unrolled FMA loop with independent accumulators (enough to hide the FMA latency on two ports)
// on every thread of the pool, with the widest vector ISA the CPU has, for about `seconds`; the best
// of three rounds.
Peak measure_peak(double seconds = 0.2);

// "# peak: 230.1 GFLOP/s FP32 (avx512, 2 threads)": the header line of every dpt-bench report.
void print_peak_header(const Peak& p);

}  // namespace dpt::bench
