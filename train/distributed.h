// Data-parallel training over MPI (issue 13): the process's rank, world size and local rank, parameter
// broadcast from rank 0, and the gradient all-reduce (mean) in buckets that start as soon as their
// gradients are final (core/autograd.h's leaf hook), overlapping the rest of the backward. The buckets
// travel by MPI (CPU tensors) or NCCL (CUDA tensors, builds with DPT_WITH_NCCL): train/grad_transport.h.
// Built without MPI (DPT_MPI=OFF or no MPI found) every process is rank 0 of 1, and a launch by an MPI
// launcher with more than one rank is refused. Note [data parallel] in distributed.cpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace dpt::dist {

// Whether this build has MPI (DPT_WITH_MPI).
bool mpi_built();
// The world size an MPI launcher (mpirun, srun) announced in the environment, 1 when none.
int launcher_world_size();

// Joins the launcher's job: MPI_Init when launched by mpirun/srun (a plain run stays without MPI).
// Without MPI in the build, a launch of more than one rank is an Error saying how to rebuild.
// Idempotent.
void init(int* argc, char*** argv);
// MPI_Finalize when init started MPI.
void finalize();
// Stops every rank of the job (MPI_Abort) with `code`; returns only when there is a single rank.
void abort_all(int code);

int rank();
int world_size();
int local_rank();
inline bool is_root() { return rank() == 0; }
// The --device this rank uses: on several ranks a bare "cuda" means cuda:<local rank> (modulo the
// visible devices, so a launcher that shows each rank its own device through CUDA_VISIBLE_DEVICES
// works too); anything else, and every spec on one rank, as given.
std::string rank_device(const std::string& spec);

// Overwrites `tensors` (float32, any device) on every rank with rank 0's values, in order.
void broadcast(const std::vector<Tensor>& tensors);
// Sums `values` over the ranks, in place.
void allreduce_sum(std::vector<double>& values);
// Seconds spent waiting in gradient all-reduces since the process started (for dpt-bench).
double allreduce_wait_seconds();
// Bucket all-reduces started during a backward pass (overlapping it) and in total, since the start.
std::pair<int64_t, int64_t> buckets_started_early();
// How the last GradReducer on several ranks sums its buckets: "MPI", "MPI through host buffers", "NCCL";
// "none" before any (or on one rank).
const char* gradient_transport();

// Splits parameters (in registration order) into buckets of about `bucket_elems` floats, walking them
// in reverse registration order (the order backward usually finishes them). Returns index lists.
// Shared by the MPI (CPU) and the CUDA paths.
std::vector<std::vector<size_t>> plan_buckets(const std::vector<int64_t>& numels, int64_t bucket_elems);

// The gradient all-reduce of one training stage over the parameters of all its optimisers (`groups`:
// one list per optimiser; a bucket holds parameters of one group only). While it exists it owns the
// process's leaf-gradient hook. begin_step() before the step's backward passes; finish() before each
// optimiser update: afterwards every defined gradient is the mean over ranks. Gradients added after a
// finish (a GAN step's second backward) are reduced by the next finish. With one rank both do nothing.
class GradReducer {
 public:
  explicit GradReducer(const std::vector<std::vector<Tensor>>& groups, int64_t bucket_elems = int64_t(1) << 20);
  ~GradReducer();
  GradReducer(const GradReducer&) = delete;
  GradReducer& operator=(const GradReducer&) = delete;

  void begin_step();
  void finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace dpt::dist
