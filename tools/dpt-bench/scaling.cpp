// dpt-bench scaling (see scaling.h). The parent runs each layout in child processes: itself with T
// threads, then itself under `mpirun -np 2` with T/2 threads per rank. A child builds the stage as the
// trainer does (its slice of the global batch, the gradient all-reduce hooked before every optimiser
// update) on a fixed random batch, times the steps and, on rank 0, prints one JSON row.
#include "tools/dpt-bench/scaling.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/threading.h"
#include "io/json.h"
#include "tools/dpt-bench/steps.h"
#include "train/distributed.h"
#include "train/dpt_family.h"
#include "train/random_dpt_data.h"

#ifndef DPT_MPIEXEC
#define DPT_MPIEXEC "mpirun"
#endif

namespace dpt::bench {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string json_list(const std::vector<double>& v) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << "]";
  return os.str();
}

// One layout, in this process (one rank of dist::world_size()).
int run_rank(const std::string& cfg_name, const std::string& stage, const ScalingOptions& o) {
  const int world = dist::world_size(), rank = dist::rank();
  const Config cfg = config_named(cfg_name, o.batch);
  DPT_CHECK(cfg.batch % world == 0, "dpt-bench scaling: the batch " << cfg.batch << " cannot be split over " << world
                                                                    << " ranks; choose a batch that " << world
                                                                    << " divides");
  RandomDptStage run(cfg, stage, 1, "none", rank, world);

  // As the trainer: one Adam per group, every group's gradients averaged over the ranks before its update.
  std::vector<std::vector<Tensor>> reduced;
  int64_t reduced_elems = 0;
  for (const auto& g : run.family.optimiser_groups(stage)) {
    reduced.emplace_back();
    for (const auto& kv : g.params) {
      reduced.back().push_back(kv.second);
      reduced_elems += kv.second.numel();
    }
  }
  dist::GradReducer reducer(reduced);
  if (world > 1)
    for (auto& [name, adam] : run.opt.all()) adam->set_before_step([&reducer] { reducer.finish(); });
  auto one_step = [&] {
    reducer.begin_step();
    run.step();
  };

  for (int i = 0; i < o.warmup; ++i) one_step();
  const double wait0 = dist::allreduce_wait_seconds();
  const auto [early0, all0] = dist::buckets_started_early();
  std::vector<double> times;
  for (int i = 0; i < o.steps; ++i) {
    const double t0 = now_s();
    one_step();
    times.push_back(now_s() - t0);
  }
  const auto [early1, all1] = dist::buckets_started_early();
  // Every rank's wait per step, gathered by a sum of one-hot vectors.
  std::vector<double> wait_ms(static_cast<size_t>(world), 0.0);
  wait_ms[static_cast<size_t>(rank)] = 1e3 * (dist::allreduce_wait_seconds() - wait0) / std::max(o.steps, 1);
  dist::allreduce_sum(wait_ms);
  if (!dist::is_root()) return 0;

  const double median = median_of(times);
  const double mean_wait_ms = [&] {
    double s = 0;
    for (double w : wait_ms) s += w;
    return s / world;
  }();
  std::ostringstream js;
  js << "{\"kind\": \"scaling\", \"engine\": \"dpt\", \"config\": \"" << cfg_name << "\", \"stage\": \"" << stage
     << "\", \"batch\": " << cfg.batch << ", \"ranks\": " << world << ", \"threads_per_rank\": " << num_threads()
     << ", \"steps\": " << o.steps << ", \"warmup\": " << o.warmup << ", \"median_s\": " << median
     << ", \"times_s\": " << json_list(times) << ", \"images_per_s\": " << cfg.batch / median
     << ", \"gradient_mib\": " << reduced_elems * 4.0 / (1 << 20) << ", \"transport\": \""
     << (world > 1 ? dist::gradient_transport() : "none")
     << "\", \"allreduce_wait_ms_per_step\": " << json_list(wait_ms)
     << ", \"allreduce_share\": " << (median > 0 ? mean_wait_ms * 1e-3 / median : 0)
     << ", \"buckets_started_during_backward\": " << early1 - early0 << ", \"buckets\": " << all1 - all0 << "}";
  std::printf("%s\n", js.str().c_str());
  std::fflush(stdout);
  return 0;
}

// Runs `cmd`, copies its stdout to ours and returns its {"kind": "scaling"} row (null when none).
Json run_child(const std::string& cmd, int& status) {
  std::fflush(stdout);
  FILE* p = popen(cmd.c_str(), "r");
  DPT_CHECK(p, "dpt-bench scaling: cannot run " << cmd);
  Json row;
  char buf[8192];
  std::string line;
  while (std::fgets(buf, sizeof buf, p)) {
    line += buf;
    if (line.empty() || line.back() != '\n') continue;
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
    if (line.rfind("{\"kind\": \"scaling\"", 0) == 0) row = parse_json(line, "the row of " + cmd);
    line.clear();
  }
  const int rc = pclose(p);
  if (rc != 0 || row.is_null()) {
    std::fprintf(stderr, "dpt-bench scaling: %s failed (status %d)\n", cmd.c_str(), rc);
    status = 1;
  }
  return row;
}

}  // namespace

int run_scaling(const ScalingOptions& o) {
  if (!o.only.empty()) {
    const size_t colon = o.only.find(':');
    DPT_CHECK(colon != std::string::npos, "--only needs config:stage, got '" << o.only << "'");
    return run_rank(o.only.substr(0, colon), o.only.substr(colon + 1), o);
  }
  DPT_CHECK(dist::mpi_built(), "dpt-bench scaling: this build has no MPI (DPT_MPI=OFF or no MPI found), so there is "
                               "no 2-rank run to time: install openmpi-bin and libopenmpi-dev "
                               "(scripts/install-deps.sh) and rebuild");
  DPT_CHECK(o.threads >= 2 && o.threads % 2 == 0,
            "dpt-bench scaling: --threads " << o.threads << " must be even (1 rank x N threads vs 2 ranks x N/2)");
  const std::vector<std::string> stages = DptFamily::stage_names();
  DPT_CHECK(std::find(stages.begin(), stages.end(), o.stage) != stages.end(),
            "dpt-bench scaling: unknown --stage '" << o.stage << "' (predictive, inpainting, blending)");
  config_named(o.config, o.batch);  // a bad name or batch fails before any child runs
  DPT_CHECK(o.batch % 2 == 0, "dpt-bench scaling: the batch " << o.batch << " cannot be split over 2 ranks");
  if (geteuid() == 0 && !std::getenv("OMPI_ALLOW_RUN_AS_ROOT")) {
    // Open MPI refuses root unless told; the benchmark runs only itself.
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  }
  std::ostringstream args;
  args << " scaling --only " << o.config << ":" << o.stage << " --batch " << o.batch << " --runs " << o.steps
       << " --warmup " << o.warmup << " --threads ";
  const std::string self = "'" + o.self + "'";
  int status = 0;
  const Json one = run_child(self + args.str() + std::to_string(o.threads), status);
  const Json two = run_child(std::string("'") + DPT_MPIEXEC + "' --oversubscribe --bind-to none -np 2 " + self +
                                 args.str() + std::to_string(o.threads / 2),
                             status);
  if (status != 0) return status;
  const double t1 = one.at("median_s").as_number(), t2 = two.at("median_s").as_number();
  double worst_wait_ms = 0;
  for (const Json& w : two.at("allreduce_wait_ms_per_step").as_array())
    worst_wait_ms = std::max(worst_wait_ms, w.as_number());
  std::printf("{\"kind\": \"scaling_summary\", \"engine\": \"dpt\", \"config\": \"%s\", \"stage\": \"%s\", "
              "\"batch\": %lld, \"threads\": %d, \"one_rank_median_s\": %g, \"two_ranks_median_s\": %g, "
              "\"speedup\": %.3f, \"two_ranks_allreduce_wait_ms_per_step\": %.2f, \"allreduce_share\": %.3f}\n",
              o.config.c_str(), o.stage.c_str(), static_cast<long long>(o.batch), o.threads, t1, t2, t1 / t2,
              worst_wait_ms, t2 > 0 ? worst_wait_ms * 1e-3 / t2 : 0.0);
  std::fflush(stdout);
  return 0;
}

}  // namespace dpt::bench
