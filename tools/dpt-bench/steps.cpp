// dpt-bench steps (see steps.h). Each (config, stage) runs in a child process so that its peak RSS is its
// own, as in the peer. Inputs are random images and blocky random IUV maps: the work per step does not
// depend on the picture.
#include "tools/dpt-bench/steps.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <vector>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/flop_counter.h"
#include "core/threading.h"
#include "tools/dpt-bench/peak.h"
#include "train/dpt_family.h"
#include "train/random_dpt_data.h"

namespace dpt::bench {

Config config_named(const std::string& name, int64_t batch) {
  Config c;  // inpainter widths, lambdas and Adam settings: the defaults, as the peer's R.Config
  if (name == "small") {
    c.H = c.W = 64;
    c.ngf = c.ndf = 32;
    c.S = 32;
  } else if (name == "paper") {
    c.H = c.W = 256;
    c.ngf = c.ndf = 64;
    c.S = 256;
  } else {
    DPT_FAIL("unknown --config '" << name << "' (small, paper, all)");
  }
  c.batch = batch;
  c.validate();
  return c;
}

namespace {

const char* const kInference = "inference";  // not a training stage: the generator forward without grad

double peak_rss_gib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / (1024.0 * 1024.0);  // ru_maxrss is in KiB on Linux
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One more step with Note [memory tags] on: a {"kind": "memory"} JSON line with the peak bytes per
// (phase, op) during the step, largest first, the allocator's overall peak and the bytes live before the
// step (allocated earlier, so untagged: parameters, optimiser moments, inputs). Tag peaks need not
// coincide in time, so they do not add up to the overall peak.
void print_memory_breakdown(const std::string& cfg_name, const std::string& stage,
                            const std::function<void()>& one_step) {
  CachingAllocator& a = allocator_for(DeviceType::CPU);
  set_memory_tagging(true);
  a.reset_tag_stats();
  a.reset_peak();
  const size_t before = a.stats().current_bytes;  // parameters, optimiser moments, inputs: not tagged
  one_step();
  set_memory_tagging(false);
  std::vector<TaggedBytes> tags = a.tagged_stats();
  std::sort(tags.begin(), tags.end(), [](const TaggedBytes& x, const TaggedBytes& y) { return x.peak_bytes > y.peak_bytes; });
  std::ostringstream js;
  js << "{\"kind\": \"memory\", \"engine\": \"dpt\", \"config\": \"" << cfg_name << "\", \"stage\": \"" << stage
     << "\", \"alloc_peak_bytes\": " << a.stats().peak_bytes << ", \"live_before_step_bytes\": " << before
     << ", \"peak_bytes_by_tag\": [";
  for (size_t i = 0; i < tags.size(); ++i)
    js << (i ? ", " : "") << "{\"phase\": \"" << tags[i].phase << "\", \"op\": \"" << tags[i].op
       << "\", \"peak_bytes\": " << tags[i].peak_bytes << "}";
  js << "]}";
  std::printf("%s\n", js.str().c_str());
  std::fflush(stdout);
}

int run_one(const std::string& cfg_name, const std::string& stage, const StepsOptions& o) {
  const Config cfg = config_named(cfg_name, o.batch);
  const int steps = o.steps >= 0 ? o.steps : (cfg_name == "small" ? 5 : 2);
  const int warmup = o.warmup >= 0 ? o.warmup : (cfg_name == "small" ? 2 : 1);
  const int64_t N = cfg.batch, H = cfg.H, W = cfg.W;
  const bool inference = stage == kInference;
  // Random inputs; for blending full-width random VGG19 features, as the peer. inference: the generator
  // on the first stage's (pair) batches; that stage builds no VGG19, which the generator does not need.
  RandomDptStage run(cfg, inference ? DptFamily::stage_names().front() : stage, 1, o.recompute);
  auto one_step = [&] {
    if (inference) run.family.inference_forward(*run.batch);
    else run.step();
  };
  for (int i = 0; i < warmup; ++i) one_step();
  reset_flop_count();  // Note [FLOP counter]: conv, conv_transpose and linear only
  allocator_for(DeviceType::CPU).reset_peak();
  std::vector<double> times;
  for (int i = 0; i < steps; ++i) {
    const double t0 = now_s();
    one_step();
    times.push_back(now_s() - t0);
  }
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2], fastest = sorted.front();
  const double gflop_per_step = steps > 0 ? counted_flops() / steps * 1e-9 : 0;
  const char* peak_env = std::getenv("DPT_BENCH_PEAK_GFLOPS");  // set by the parent (run_steps)
  const double peak = peak_env ? std::atof(peak_env) : 0;
  std::ostringstream js;
  js << "{\"kind\": \"step\", \"engine\": \"dpt\", \"config\": \"" << cfg_name << "\", \"stage\": \"" << stage
     << "\", \"batch\": " << N << ", \"H\": " << H << ", \"W\": " << W << ", \"ngf\": " << cfg.ngf
     << ", \"ndf\": " << cfg.ndf << ", \"S\": " << cfg.S << ", \"recompute\": \"" << o.recompute
     << "\", \"threads\": " << num_threads()
     << ", \"steps\": " << steps << ", \"warmup\": " << warmup << ", \"median_s\": " << median
     << ", \"min_s\": " << fastest << ", \"times_s\": [";
  for (size_t i = 0; i < times.size(); ++i) js << (i ? ", " : "") << times[i];
  js << "], \"images_per_s\": " << N / median << ", \"peak_rss_gib\": " << peak_rss_gib()
     << ", \"alloc_peak_bytes\": " << allocator_for(DeviceType::CPU).stats().peak_bytes
     << ", \"counted_gflop_per_step\": " << gflop_per_step << ", \"counted_gflops\": " << gflop_per_step / median
     << ", \"pct_of_peak\": ";
  if (peak > 0) js << 100.0 * gflop_per_step / median / peak;
  else js << "null";
  js << "}";
  std::printf("%s\n", js.str().c_str());
  std::fflush(stdout);
  if (o.memory) print_memory_breakdown(cfg_name, stage, one_step);
  return 0;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int run_steps(const StepsOptions& o) {
  if (!o.only.empty()) {
    const size_t colon = o.only.find(':');
    DPT_CHECK(colon != std::string::npos, "--only needs config:stage, got '" << o.only << "'");
    return run_one(o.only.substr(0, colon), o.only.substr(colon + 1), o);
  }
  const std::vector<std::string> configs =
      o.config == "all" ? std::vector<std::string>{"small", "paper"} : std::vector<std::string>{o.config};
  std::vector<std::string> known = DptFamily::stage_names();
  known.push_back(kInference);
  std::string known_list;
  for (const auto& k : known) known_list += (known_list.empty() ? "" : ", ") + k;
  const std::vector<std::string> stages = split_list(o.stages);
  for (const std::string& st : stages)
    DPT_CHECK(std::find(known.begin(), known.end(), st) != known.end(),
              "unknown stage '" << st << "' in --stages (" << known_list << ")");
  for (const std::string& c : configs) config_named(c, o.batch);  // reject a bad name before running anything
  // The machine's peak first (a JSON line like the rows), handed to the children for their pct_of_peak.
  const Peak peak = measure_peak();
  std::printf("{\"kind\": \"peak\", \"engine\": \"dpt\", \"gflops\": %.1f, \"isa\": \"%s\", \"threads\": %d}\n",
              peak.gflops, peak.isa, peak.threads);
  std::fflush(stdout);
  setenv("DPT_BENCH_PEAK_GFLOPS", std::to_string(peak.gflops).c_str(), 1);
  int status = 0;
  for (const std::string& c : configs)
    for (const std::string& st : stages) {
      std::ostringstream cmd;
      cmd << "'" << o.self << "' steps --only " << c << ":" << st << " --batch " << o.batch;
      if (o.threads > 0) cmd << " --threads " << o.threads;
      if (o.steps >= 0) cmd << " --runs " << o.steps;
      if (o.warmup >= 0) cmd << " --warmup " << o.warmup;
      if (o.memory) cmd << " --memory";
      cmd << " --recompute " << o.recompute;
      const int rc = std::system(cmd.str().c_str());
      if (rc != 0) {
        std::fprintf(stderr, "dpt-bench: %s:%s failed (status %d)\n", c.c_str(), st.c_str(), rc);
        status = 1;
      }
    }
  return status;
}

}  // namespace dpt::bench
