// dpt-bench: times the CPU kernels of the model's heavy ops on the shapes the model runs.
// Each row: warm-up runs, then the median of N timed runs of the kernel alone (preallocated outputs,
// no autograd), and GFLOP/s = 2 x multiply-adds of the dense definition / median time (for a conv:
// 2 N Cout (Cin/g) k^2 Ho Wo, padding taps included, as conv benchmarks usually count).
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/threading.h"
#include "ops/conv2d.h"
#include "ops/cpu/packed_gemm.h"
#include "ops/gram.h"
#include "ops/linear.h"
#include "tools/common/cli.h"
#include "tools/dpt-bench/peak.h"
#include "tools/dpt-bench/scaling.h"
#include "tools/dpt-bench/steps.h"
#include "train/distributed.h"

using namespace dpt;

namespace {

struct Options {
  int threads = 0;
  int runs = 5;
  int warmup = 1;
  int64_t batch = 8;
  std::string filter;
  double peak_gflops = 0;  // the machine's measured FP32 peak (dpt-bench peak), for the "% peak" column
};

const char* kUsage = R"(usage: dpt-bench ops [--threads N] [--runs N] [--warmup N] [--batch N] [--filter TEXT]
       dpt-bench steps [--config small|paper|all] [--stages LIST] [--threads N] [--runs N]
                       [--warmup N] [--batch N] [--memory] [--recompute none|inpainter|vgg|all]
       dpt-bench peak [--threads N]
       dpt-bench scaling [--config small|paper] [--stage STAGE] [--threads N] [--runs N] [--warmup N]
                         [--batch N]

peak: the machine's FP32 peak in GFLOP/s, measured with an FMA loop (independent accumulators, the
widest vector ISA present: AVX-512, AVX2+FMA or SSE) on all threads. Every report starts with it
(ops: a "# peak" line; steps: a {"kind": "peak"} JSON line) and rates its rows as "% of peak".

steps: times whole training steps (forward, backward, Adam) of the stages predictive,
inpainting, blending (full-width random VGG19) and batched inference, each in its own process,
and prints one JSON line per (config, stage) in the form of ../shared/reference/bench_torch.py
(small: 64x64, ngf 32, S 32; paper: 256x256, ngf 64, S 256; batch 8). Default --runs / --warmup:
small 5 / 2, paper 2 / 1. Run the peer next to it: python3 bench_torch.py --config small
Each row has the CPU allocator's peak over the timed steps (alloc_peak_bytes) and, from the FLOPs of
conv2d, conv_transpose2d and linear counted during the steps (other ops are not counted), the rate
counted_gflops and pct_of_peak. --memory: also one {"kind": "memory"} line per stage with the peak
bytes per (phase, op) over one step (Note [memory tags] in core/allocator.h): phase "graph" = op
outputs recorded for backward, "backward" = what each op's backward allocates, "other" = forward
workspaces, temporaries and optimiser state. --recompute: the training option of that name
(activations computed again in backward instead of kept; default none).

scaling: the data-parallel scaling row. The same training steps of one stage (default: small,
predictive, global batch 8) as 1 rank x N threads and as `mpirun -np 2 --oversubscribe` ranks x N/2
threads each on the CPU (--threads N, even, default 2), each in child processes; one {"kind":
"scaling"} JSON line per layout (median step time, images/s, each rank's time per step spent waiting
for the gradient all-reduce, its share of the step, the gradient MiB, bucket all-reduces started during
the backward pass), then a {"kind": "scaling_summary"} line with the speed-up. Needs a build with MPI
(an error says so otherwise); as root it sets OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM) for its own mpirun.
Default --runs / --warmup: 5 / 2.

ops:
Times the CPU kernels of conv2d / conv_transpose2d (forward, dx, dw), linear and gram on the
model's shapes and prints op, shape, median ms over --runs timed runs (after --warmup runs),
GFLOP/s and % of the measured peak. Rows whose name contains --filter TEXT are run (default: all).
  --threads N  threads for OpenMP and OpenBLAS, 0..256 (default: DPT_THREADS, else 0 = all cores)
  --runs N     timed runs per row, 1..1000 (default 5)
  --warmup N   untimed runs first, 0..1000 (default 1)
  --batch N    batch size of every shape, 1..1024 (default 8)
)";

const std::vector<cli::Option> kOptions = {{"--threads"}, {"--runs"},  {"--warmup"}, {"--batch"},
                                           {"--config"},  {"--stages"}, {"--only"},   {"--filter"},
                                           {"--stage"},   {"--memory", cli::Kind::Flag}, {"--recompute"}};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Tensor randn(const Shape& s, uint64_t seed) {
  Tensor t = Tensor::empty(s, DType::F32);
  Generator g(seed);
  uniform_(t, -1.0, 1.0, g);
  return t;
}

void row(const Options& o, const std::string& op, const std::string& shape, double flops,
         const std::function<void()>& fn) {
  if (!o.filter.empty() && (op + " " + shape).find(o.filter) == std::string::npos) return;
  for (int i = 0; i < o.warmup; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < o.runs; ++i) {
    double t0 = now_s();
    fn();
    t.push_back(now_s() - t0);
  }
  std::sort(t.begin(), t.end());
  const double med = t[t.size() / 2];
  const double gflops = flops / med * 1e-9;
  std::printf("%-26s %-52s %10.2f %9.1f %7.1f\n", op.c_str(), shape.c_str(), med * 1e3, gflops,
              100.0 * gflops / o.peak_gflops);
  std::fflush(stdout);
}

std::string dims(const Shape& s) { return shape_str(s); }

// conv2d (transposed = false) or conv_transpose2d on x [N, Cin, H, W] with Cout outputs: forward, dx, dw.
void conv_rows(const Options& o, const std::string& name, int64_t N, int64_t Cin, int64_t H, int64_t W, int64_t Cout,
               int k, int stride, int pad, int groups, int out_pad, bool transposed) {
  ConvParams p;
  p.stride = stride;
  p.padding = pad;
  p.groups = groups;
  p.output_padding = out_pad;
  const int64_t Ho = transposed ? conv_transpose2d_out_size(H, k, p) : conv2d_out_size(H, k, p);
  const int64_t Wo = transposed ? conv_transpose2d_out_size(W, k, p) : conv2d_out_size(W, k, p);
  Tensor x = randn({N, Cin, H, W}, 1);
  Tensor w = transposed ? randn({Cin, Cout / groups, k, k}, 2) : randn({Cout, Cin / groups, k, k}, 2);
  Tensor b = randn({Cout}, 3);
  Tensor out = Tensor::empty({N, Cout, Ho, Wo}), gout = randn({N, Cout, Ho, Wo}, 4);
  Tensor gx = Tensor::empty_like(x), gw = Tensor::empty_like(w), none;
  // conv: 2 N Cout (Cin/g) k^2 Ho Wo; conv_transpose2d (its adjoint): 2 N Cin (Cout/g) k^2 H W.
  const double spatial = transposed ? static_cast<double>(H) * W : static_cast<double>(Ho) * Wo;
  const double flops = 2.0 * N * (transposed ? Cin : Cout) * (transposed ? Cout / groups : Cin / groups) * k * k * spatial;
  const std::string shape = "x" + dims(x.shape()) + (groups > 1 ? " g" + std::to_string(groups) : std::string()) +
                            " k" + std::to_string(k) + "s" + std::to_string(stride) + " ->" + dims(out.shape());
  const std::string op = (transposed ? "deconv " : "conv ") + name;
  if (transposed) {
    row(o, op + " fwd", shape, flops, [&] { cpu::conv_transpose2d_forward(x, w, b, p, out); });
    row(o, op + " dx", shape, flops, [&] { cpu::conv_transpose2d_backward(x, w, gout, p, gx, none, none); });
    row(o, op + " dw", shape, flops, [&] { cpu::conv_transpose2d_backward(x, w, gout, p, none, gw, none); });
  } else {
    row(o, op + " fwd", shape, flops, [&] { cpu::conv2d_forward(x, w, b, p, out); });
    row(o, op + " dx", shape, flops, [&] { cpu::conv2d_backward(x, w, gout, p, gx, none, none); });
    row(o, op + " dw", shape, flops, [&] { cpu::conv2d_backward(x, w, gout, p, none, gw, none); });
  }
}

void run_ops(const Options& o) {
  const int64_t N = o.batch;
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  std::printf("# dpt-bench ops: %d threads, float32, batch %lld, median of %d runs after %d warm-up\n",
              num_threads(), static_cast<long long>(N), o.runs, o.warmup);
  std::printf("# conv GEMM micro-kernel %s (%dx%d); OpenBLAS kernels %s (OPENBLAS_CORETYPE=%s)\n",
              cpu::gemm_tile<float>().isa, cpu::gemm_tile<float>().mr, cpu::gemm_tile<float>().nr,
              openblas_get_corename(), coretype ? coretype : "unset");
  std::printf("%-26s %-52s %10s %9s %7s\n", "op", "shape", "ms", "GFLOP/s", "% peak");

  // The reference point: one OpenBLAS sgemm with the FLOPs of the 256-channel conv forward
  // (M = Cout, N = Ho Wo, K = Cin k^2 per sample) -- what im2col + sgemm could reach at best.
  {
    const int64_t M = 256, Nn = 64 * 64, K = 256 * 9;
    Tensor a = randn({M, K}, 5), bm = randn({K, Nn}, 6), c = Tensor::empty({M, Nn});
    row(o, "openblas sgemm x" + std::to_string(N), "[256 x 2304] x [2304 x 4096] (conv 256 fwd)", 2.0 * N * M * Nn * K,
        [&] {
          for (int64_t n = 0; n < N; ++n)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, Nn, K, 1.0f, a.data<float>(), K,
                        bm.data<float>(), Nn, 0.0f, c.data<float>(), Nn);
        });
  }

  conv_rows(o, "256", N, 256, 64, 64, 256, 3, 1, 1, 1, 0, false);
  // Inpainter at S = 256 (docs/dpt.md section 4.2): groups 24, widths c(j) = 32, 64, 128, 128, 128, 128.
  conv_rows(o, "inpaint.enc0", N, 24 * 4, 256, 256, 24 * 32, 3, 2, 1, 24, 0, false);
  conv_rows(o, "inpaint.enc1", N, 24 * 32, 128, 128, 24 * 64, 3, 2, 1, 24, 0, false);
  conv_rows(o, "inpaint.enc3", N, 24 * 128, 32, 32, 24 * 128, 3, 2, 1, 24, 0, false);
  conv_rows(o, "inpaint.enc5", N, 24 * 128, 8, 8, 24 * 128, 3, 2, 1, 24, 0, false);
  conv_rows(o, "inpaint.dec0", N, 24 * 384, 4, 4, 24 * 128, 3, 2, 1, 24, 1, true);
  conv_rows(o, "inpaint.dec3", N, 24 * 128, 32, 32, 24 * 128, 3, 2, 1, 24, 1, true);
  conv_rows(o, "inpaint.dec5", N, 24 * 64, 128, 128, 24 * 32, 3, 2, 1, 24, 1, true);
  conv_rows(o, "inpaint.out", N, 24 * 32, 256, 256, 24 * 3, 3, 1, 1, 24, 0, false);

  {  // fusion layer at S = 256: Linear(24 * 128 * 16 -> 256)
    const int64_t in = 24 * 128 * 16, out = 256;
    Tensor x = randn({N, in}, 7), w = randn({out, in}, 8), b = randn({out}, 9), y = Tensor::empty({N, out});
    Tensor g = randn({N, out}, 10), gx = Tensor::empty_like(x), gw = Tensor::empty_like(w), none;
    const std::string shape = "x" + dims(x.shape()) + " w" + dims(w.shape());
    const double flops = 2.0 * N * in * out;
    row(o, "linear fwd", shape, flops, [&] { cpu::linear_forward(x, w, b, y); });
    row(o, "linear dx", shape, flops, [&] { cpu::linear_backward(x, w, g, gx, none, none); });
    row(o, "linear dw", shape, flops, [&] { cpu::linear_backward(x, w, g, none, gw, none); });
  }
  {  // style loss on relu3-level VGG features
    Tensor f = randn({N, 256, 64, 64}, 11), gm = Tensor::empty({N, 256, 256}), g = randn({N, 256, 256}, 12);
    Tensor gf = Tensor::empty_like(f);
    const std::string shape = "f" + dims(f.shape());
    row(o, "gram fwd", shape, 1.0 * N * 256 * 257 * 64 * 64, [&] { cpu::gram_forward(f, gm); });
    row(o, "gram df", shape, 2.0 * N * 256 * 256 * 64 * 64, [&] { cpu::gram_backward(f, g, gf); });
  }
}

int run(const cli::Args& a) {
  const std::vector<std::string> modes = {"ops", "steps", "peak", "scaling"};
  DPT_USAGE_CHECK(a.positional().size() == 1 && std::count(modes.begin(), modes.end(), a.positional()[0]) == 1,
                  "give the mode: ops, steps, peak or scaling");
  const std::string cmd = a.positional()[0];
  Options o;
  o.threads = cli::apply_threads(a);
  o.runs = static_cast<int>(a.get_int("--runs", 1, 1000, o.runs));
  o.warmup = static_cast<int>(a.get_int("--warmup", 0, 1000, o.warmup));
  o.batch = a.get_int("--batch", 1, 1024, o.batch);
  o.filter = a.get("--filter");
  if (cmd == "peak") {
    a.only({"--threads"}, "dpt-bench peak");
    bench::print_peak_header(bench::measure_peak(1.0));
    return 0;
  }
  if (cmd == "scaling") {
    a.only({"--threads", "--runs", "--warmup", "--batch", "--config", "--stage", "--only"}, "dpt-bench scaling");
    bench::ScalingOptions sc;
    sc.config = a.get_choice("--config", {"small", "paper"}, sc.config);
    sc.stage = a.get("--stage", sc.stage);
    sc.only = a.get("--only");
    sc.threads = a.has("--threads") ? o.threads : sc.threads;
    sc.steps = static_cast<int>(a.get_int("--runs", 1, 1000, sc.steps));
    sc.warmup = static_cast<int>(a.get_int("--warmup", 0, 1000, sc.warmup));
    sc.batch = o.batch;
    sc.self = a.program();
    return bench::run_scaling(sc);
  }
  if (cmd == "steps") {
    a.only({"--threads", "--runs", "--warmup", "--batch", "--config", "--stages", "--only", "--memory",
            "--recompute"},
           "dpt-bench steps");
    bench::StepsOptions steps;
    steps.config = a.get_choice("--config", {"small", "paper", "all"}, steps.config);
    steps.stages = a.get("--stages", steps.stages);
    steps.only = a.get("--only");
    steps.memory = a.has("--memory");
    steps.recompute = a.get_choice("--recompute", DptRecompute::recompute_choices(), steps.recompute);
    steps.threads = o.threads;
    steps.batch = o.batch;
    if (a.has("--runs")) steps.steps = o.runs;
    if (a.has("--warmup")) steps.warmup = o.warmup;
    steps.self = a.program();
    return bench::run_steps(steps);
  }
  a.only({"--threads", "--runs", "--warmup", "--batch", "--filter"}, "dpt-bench ops");
  const bench::Peak peak = bench::measure_peak();
  bench::print_peak_header(peak);
  o.peak_gflops = peak.gflops;
  run_ops(o);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  use_bounded_wait_policy(argv);  // Note [wait policy] (core/threading.h): before any thread starts
  try {
    dist::init(&argc, &argv);  // a scaling child under mpirun joins the job; any other run stays without MPI
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dpt-bench: error: %s\n", e.what());
    return 1;
  }
  const int code = cli::run("dpt-bench", kUsage, argc, argv, kOptions, 1, run);
  if (code != 0 && dist::world_size() > 1) dist::abort_all(code);  // no rank left waiting in a collective
  dist::finalize();
  return code;
}
