// The transport under dist::GradReducer (train/distributed.h): how one bucket's packed gradients are
// summed over the ranks. Bucket planning, packing, the start from the leaf hook (overlapping the backward),
// re-reduction of stale buckets and the mean are shared (train/distributed.cpp); only this part differs:
// MPI for CPU tensors (in place) and for CUDA tensors in builds without NCCL (through a host copy), or
// NCCL on the device (train/nccl_comm.cpp, builds with DPT_WITH_NCCL).
#pragma once
#include <memory>

#include "core/tensor.h"

namespace dpt::dist {

class GradTransport {
 public:
  virtual ~GradTransport() = default;
  // For messages: "MPI", "MPI through host buffers", "NCCL".
  virtual const char* name() const = 0;
  // Starts summing `flat` ([n] float32, contiguous, on the parameters' device) over all ranks, in place;
  // returns without waiting. `flat` must stay untouched until wait().
  virtual void start(const Tensor& flat) = 0;
  // Lets an all-reduce in flight progress (Open MPI progresses only inside MPI calls); true once it is done.
  virtual bool test() = 0;
  // Returns when `flat` holds the sum (for later work on its device: ordered after the sum).
  virtual void wait(const Tensor& flat) = 0;
};

// MPI_Iallreduce (train/distributed.cpp): in place for CPU tensors, through a host copy for CUDA ones.
std::unique_ptr<GradTransport> mpi_transport(Device device);

#ifdef DPT_WITH_NCCL
// ncclAllReduce on the device, on a stream of its own (train/nccl_comm.cpp). The process's communicator
// is made on first use: every rank must get here together (they build their reducers in step).
std::unique_ptr<GradTransport> nccl_transport();
// Destroys the communicator (before MPI_Finalize); nothing when none was made.
void nccl_shutdown();
#endif

}  // namespace dpt::dist
