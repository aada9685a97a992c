// The NCCL transport of the gradient all-reduce (train/grad_transport.h), compiled only in nvcc builds
// that found NCCL and MPI (DPT_WITH_NCCL, CMakeLists.txt). One communicator per process, bootstrapped over
// MPI: rank 0 draws the unique id, MPI_Bcast hands it to the others, each calls ncclCommInitRank on its
// device. Each bucket is summed in place on the device by ncclAllReduce on the communicator's own stream,
// so the sums run next to the backward's remaining kernels; events order them after the bucket's packing
// and before its unpacking on the compute stream.
#include <cuda_runtime.h>
#include <mpi.h>
#include <nccl.h>

#include "core/error.h"
#include "train/distributed.h"
#include "train/grad_transport.h"

namespace dpt::cuda {
// ops/cuda/launch.cuh declares these for the .cu files (Stream = cudaStream_t under nvcc); that header
// also holds the nvcc-only launch syntax, so a .cpp declares the two it uses.
cudaStream_t current_stream();
void check(cudaError_t err, const char* what);
}  // namespace dpt::cuda

namespace dpt::dist {

namespace {

struct Communicator {
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;  // the all-reduces' stream
};
Communicator g_nccl;

void nccl_check(ncclResult_t r, const char* what) {
  if (r == ncclSuccess) return;
  const char* last = g_nccl.comm ? ncclGetLastError(g_nccl.comm) : "";
  DPT_FAIL(what << " failed on rank " << rank() << " of " << world_size() << ": " << ncclGetErrorString(r)
                << (last && *last ? std::string(" (") + last + ")" : std::string())
                << (r == ncclInvalidUsage
                        ? "; every rank needs a GPU of its own (--device cuda picks cuda:<local rank>)"
                        : ""));
}

Communicator& communicator() {
  if (g_nccl.comm) return g_nccl;
  ncclUniqueId id{};
  if (rank() == 0) nccl_check(ncclGetUniqueId(&id), "ncclGetUniqueId");
  const int rc = MPI_Bcast(&id, static_cast<int>(sizeof id), MPI_BYTE, 0, MPI_COMM_WORLD);
  DPT_CHECK(rc == MPI_SUCCESS,
            "MPI_Bcast of the NCCL unique id failed on rank " << rank() << " (MPI error " << rc << ")");
  cuda::current_stream();  // makes this process's device (use_device) current before NCCL binds to it
  ncclComm_t comm = nullptr;
  nccl_check(ncclCommInitRank(&comm, world_size(), id, rank()), "ncclCommInitRank");
  g_nccl.comm = comm;
  cuda::check(cudaStreamCreateWithFlags(&g_nccl.stream, cudaStreamNonBlocking), "cudaStreamCreate (NCCL)");
  return g_nccl;
}

class NcclTransport : public GradTransport {
 public:
  NcclTransport() {
    communicator();
    cuda::check(cudaEventCreateWithFlags(&packed_, cudaEventDisableTiming), "cudaEventCreate");
    cuda::check(cudaEventCreateWithFlags(&reduced_, cudaEventDisableTiming), "cudaEventCreate");
  }
  ~NcclTransport() override {
    if (in_flight_) cudaEventSynchronize(reduced_);  // the bucket's memory goes back to the allocator next
    cudaEventDestroy(packed_);
    cudaEventDestroy(reduced_);
  }
  const char* name() const override { return "NCCL"; }
  void start(const Tensor& flat) override {
    DPT_CHECK(flat.device().is_cuda() && flat.dtype() == DType::F32 && flat.is_contiguous(),
              "NCCL all-reduce: expected a contiguous float32 CUDA tensor, got " << flat.describe());
    Communicator& c = communicator();
    cuda::check(cudaEventRecord(packed_, cuda::current_stream()), "cudaEventRecord");
    cuda::check(cudaStreamWaitEvent(c.stream, packed_, 0), "cudaStreamWaitEvent");
    nccl_check(ncclAllReduce(flat.raw_data(), flat.raw_data(), static_cast<size_t>(flat.numel()), ncclFloat, ncclSum,
                             c.comm, c.stream),
               "ncclAllReduce");
    cuda::check(cudaEventRecord(reduced_, c.stream), "cudaEventRecord");
    in_flight_ = true;
  }
  bool test() override {
    if (!in_flight_) return true;
    const cudaError_t err = cudaEventQuery(reduced_);
    if (err == cudaErrorNotReady) return false;
    cuda::check(err, "cudaEventQuery (NCCL all-reduce)");
    return true;
  }
  void wait(const Tensor& flat) override {
    (void)flat;
    if (!in_flight_) return;
    // The host waits (so allreduce_wait_seconds shows the communication), and the compute stream's
    // later work on the bucket is ordered after the sum.
    cuda::check(cudaEventSynchronize(reduced_), "cudaEventSynchronize (NCCL all-reduce)");
    cuda::check(cudaStreamWaitEvent(cuda::current_stream(), reduced_, 0), "cudaStreamWaitEvent");
    in_flight_ = false;
  }

 private:
  cudaEvent_t packed_ = nullptr, reduced_ = nullptr;
  bool in_flight_ = false;
};

}  // namespace

std::unique_ptr<GradTransport> nccl_transport() { return std::make_unique<NcclTransport>(); }

void nccl_shutdown() {
  if (!g_nccl.comm) return;
  ncclCommDestroy(g_nccl.comm);
  cudaStreamDestroy(g_nccl.stream);
  g_nccl = Communicator{};
}

}  // namespace dpt::dist
