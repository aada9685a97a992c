// Data-parallel training (see distributed.h).
// Note [data parallel]: every rank holds the same weights (broadcast from rank 0) and draws its slice
// of the global batch a single process would draw (ModelFamily::set_shard). Each rank's loss is the mean
// over its slice, so the mean over ranks of the gradients is the gradient of the global batch's mean:
// N ranks x B/N reproduce one process with batch B up to the order of floating-point sums.
// The gradients are packed into buckets (reverse registration order), each a flat float32 tensor on the
// parameters' device; a bucket's all-reduce starts when the leaf hook has seen each of its parameters in
// this step. A later backward pass of the same step (a GAN stage backpropagates the generator and the
// discriminator losses separately) that adds to a bucket already sent marks it stale: finish() reduces it
// again, so the result is always the sum of every pass. All of this is the same for every device; only
// the transport of a bucket's sum differs (train/grad_transport.h): MPI_Iallreduce on CPU tensors, NCCL on
// CUDA tensors (builds with DPT_WITH_NCCL; DPT_NCCL=0 in the environment turns it off), or MPI through a
// host copy on CUDA tensors without NCCL.
#include "train/distributed.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "core/autograd.h"
#include "core/error.h"
#include "ops/elementwise.h"
#include "train/grad_transport.h"

#ifdef DPT_WITH_MPI
#include <mpi.h>
#endif
#ifdef DPT_WITH_CUDA
#include "ops/cuda/runtime.h"
#endif

namespace dpt::dist {

namespace {
int g_rank = 0, g_world = 1, g_local = 0;
bool g_started = false;  // this process called MPI_Init
double g_wait_seconds = 0;
int64_t g_buckets_early = 0, g_buckets_all = 0;  // all-reduces started from the hook / in total
const char* g_transport = "none";                   // of the last GradReducer on several ranks

int env_int(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : -1;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

#ifdef DPT_WITH_MPI
void mpi_check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  DPT_FAIL(what << " failed on rank " << g_rank << ": " << std::string(msg, len));
}
#endif

// A host float buffer holding `t` (float32), for MPI.
std::vector<float> host_copy(const Tensor& t) {
  DPT_CHECK(t.dtype() == DType::F32, "data-parallel: only float32 tensors are exchanged, got " << t.describe());
  return t.to_float_vector();
}

void write_back(const Tensor& dst, const float* src) {
  Tensor host = Tensor::from_vector(std::vector<float>(src, src + dst.numel()), dst.shape());
  Tensor(dst).copy_(host);
}

#ifdef DPT_WITH_MPI
// MPI_Iallreduce of a bucket: in place on a CPU tensor's memory; a CUDA tensor's values go to a host
// buffer first and come back in wait().
class MpiTransport : public GradTransport {
 public:
  explicit MpiTransport(Device device) : on_host_(device.is_cpu()) {}
  const char* name() const override { return on_host_ ? "MPI" : "MPI through host buffers"; }
  void start(const Tensor& flat) override {
    float* data = flat.data<float>();
    if (!on_host_) {
      staging_ = host_copy(flat);
      data = staging_.data();
    }
    mpi_check(MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(flat.numel()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                             &request_),
              "MPI_Iallreduce");
  }
  bool test() override {
    int flag = 0;
    mpi_check(MPI_Test(&request_, &flag, MPI_STATUS_IGNORE), "MPI_Test");
    return flag != 0;
  }
  void wait(const Tensor& flat) override {
    mpi_check(MPI_Wait(&request_, MPI_STATUS_IGNORE), "MPI_Wait");  // a completed request is MPI_REQUEST_NULL
    if (!on_host_) write_back(flat, staging_.data());
  }

 private:
  bool on_host_;
  std::vector<float> staging_;
  MPI_Request request_ = MPI_REQUEST_NULL;
};
#endif
}  // namespace

std::unique_ptr<GradTransport> mpi_transport(Device device) {
#ifdef DPT_WITH_MPI
  return std::make_unique<MpiTransport>(device);
#else
  DPT_FAIL("data-parallel: this build has no MPI (device " << device.str() << ")");
#endif
}

bool mpi_built() {
#ifdef DPT_WITH_MPI
  return true;
#else
  return false;
#endif
}

int launcher_world_size() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    const int n = env_int(v);
    if (n > 0) return n;
  }
  // srun without an MPI plug-in: one task of several.
  const int ntasks = env_int("SLURM_NTASKS");
  return env_int("SLURM_PROCID") >= 0 && ntasks > 0 ? ntasks : 1;
}

void init(int* argc, char*** argv) {
  const int launched = launcher_world_size();
#ifdef DPT_WITH_MPI
  int already = 0;
  MPI_Initialized(&already);
  if (already || launched <= 1) return;  // a plain run stays without MPI
  int provided = 0;
  mpi_check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  g_started = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_world);
  // Errors come back as codes (mpi_check throws), so a failure is reported and then aborts the job.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  g_local = env_int("OMPI_COMM_WORLD_LOCAL_RANK");
  if (g_local < 0) {
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &g_local);
    MPI_Comm_free(&node);
  }
#else
  (void)argc;
  (void)argv;
  DPT_CHECK(launched <= 1, "launched as one of " << launched
                                                 << " ranks, but this build has no MPI support (DPT_MPI=OFF or "
                                                    "no MPI found): install libopenmpi-dev "
                                                    "(scripts/install-deps.sh) and rebuild, or run one process");
#endif
}

void finalize() {
#ifdef DPT_WITH_NCCL
  nccl_shutdown();
#endif
#ifdef DPT_WITH_MPI
  if (g_started) {
    MPI_Finalize();
    g_started = false;
  }
#endif
}

void abort_all(int code) {
#ifdef DPT_WITH_MPI
  if (g_started && g_world > 1) {
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
  }
#endif
  (void)code;
}

int rank() { return g_rank; }
int world_size() { return g_world; }
int local_rank() { return g_local; }
double allreduce_wait_seconds() { return g_wait_seconds; }
std::pair<int64_t, int64_t> buckets_started_early() { return {g_buckets_early, g_buckets_all}; }
const char* gradient_transport() { return g_transport; }

std::string rank_device(const std::string& spec) {
  if (spec != "cuda" || g_world <= 1) return spec;
#ifdef DPT_WITH_CUDA
  // Modulo the visible devices: a launcher that shows each rank one device (CUDA_VISIBLE_DEVICES) gives 0.
  const int n = cuda::device_count();
  if (n > 0) return "cuda:" + std::to_string(g_local % n);
#endif
  return spec;  // use_device reports what is missing
}

void broadcast(const std::vector<Tensor>& tensors) {
  if (g_world <= 1) return;
#ifdef DPT_WITH_MPI
  NoGradGuard no_grad;
  for (const Tensor& t : tensors) {
    std::vector<float> buf = host_copy(t);
    mpi_check(MPI_Bcast(buf.data(), static_cast<int>(buf.size()), MPI_FLOAT, 0, MPI_COMM_WORLD), "MPI_Bcast");
    write_back(t.detach(), buf.data());
  }
#endif
}

void allreduce_sum(std::vector<double>& values) {
  if (g_world <= 1 || values.empty()) return;
#ifdef DPT_WITH_MPI
  mpi_check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM,
                          MPI_COMM_WORLD),
            "MPI_Allreduce");
#endif
}

std::vector<std::vector<size_t>> plan_buckets(const std::vector<int64_t>& numels, int64_t bucket_elems) {
  std::vector<std::vector<size_t>> buckets;
  int64_t filled = 0;
  for (size_t k = numels.size(); k-- > 0;) {
    if (buckets.empty() || (filled > 0 && filled + numels[k] > bucket_elems)) {
      buckets.emplace_back();
      filled = 0;
    }
    buckets.back().push_back(k);
    filled += numels[k];
  }
  return buckets;
}

// ---- GradReducer

struct GradReducer::State {
  struct Bucket {
    std::vector<size_t> params;
    Tensor flat;           // [sum of the parameters' numel] float32 on their device: the packed gradients
    size_t ready = 0;      // parameters seen by the hook this step
    bool sent = false;     // all-reduce started on the current contents
    bool stale = false;    // a later backward pass added to a parameter after sending
    bool done = false;     // the all-reduce completed (found by test())
    std::unique_ptr<GradTransport> transport;  // declared after flat: finishes its work before flat is freed
  };
  std::vector<Tensor> params;
  std::vector<size_t> bucket_of;        // parameter -> bucket
  std::vector<char> seen;               // parameter seen by the hook this step
  std::unordered_map<TensorImpl*, size_t> index;
  std::vector<Bucket> buckets;

  // Parameter k's elements [at, at + numel) of a bucket's flat tensor, shaped like the parameter.
  Tensor slot(const Tensor& flat, size_t k, int64_t at) const {
    return flat.slice(0, at, at + params[k].numel()).view(params[k].shape());
  }
  // Copies the bucket's gradients (zeros where a parameter has none) into its flat tensor.
  void pack(Bucket& b) {
    NoGradGuard no_grad;
    int64_t at = 0;
    for (size_t k : b.params) {
      const Tensor g = params[k].grad();
      Tensor dst = slot(b.flat, k, at);
      if (g.defined()) dst.copy_(g);
      else dst.zero_();
      at += params[k].numel();
    }
  }
  // The mean over ranks back into the defined gradients (definedness is the same on every rank: they
  // run the same graph).
  void unpack(Bucket& b) {
    NoGradGuard no_grad;
    const Tensor mean = mul_scalar(b.flat, 1.0 / g_world);
    int64_t at = 0;
    for (size_t k : b.params) {
      Tensor g = params[k].grad();
      if (g.defined()) g.copy_(slot(mean, k, at));
      at += params[k].numel();
    }
  }
  void start(Bucket& b) {
    pack(b);
    b.transport->start(b.flat);
    b.sent = true;
    b.done = false;
    ++g_buckets_all;
  }
  void wait(Bucket& b) {
    b.transport->wait(b.flat);
    b.done = false;
  }
  // Pokes the all-reduces in flight (Open MPI progresses a non-blocking collective only inside MPI calls).
  void progress() {
    for (Bucket& b : buckets)
      if (b.sent && !b.done) b.done = b.transport->test();
  }
  void on_leaf(TensorImpl* leaf) {
    auto it = index.find(leaf);
    if (it == index.end()) return;  // not trained by this stage
    Bucket& b = buckets[bucket_of[it->second]];
    if (b.sent) {
      b.stale = true;
      return;
    }
    if (!seen[it->second]) {
      seen[it->second] = 1;
      if (++b.ready == b.params.size()) {
        start(b);
        ++g_buckets_early;
      }
    }
    progress();
  }
};

namespace {
// NCCL for CUDA tensors when the build has it (unless DPT_NCCL=0), MPI otherwise.
std::unique_ptr<GradTransport> transport_for(Device device) {
#ifdef DPT_WITH_NCCL
  const char* env = std::getenv("DPT_NCCL");
  if (device.is_cuda() && !(env && std::string(env) == "0")) return nccl_transport();
#endif
  return mpi_transport(device);
}
}  // namespace

GradReducer::GradReducer(const std::vector<std::vector<Tensor>>& groups, int64_t bucket_elems)
    : s_(std::make_unique<State>()) {
  if (g_world <= 1) return;
  for (const auto& group : groups) {  // buckets never mix two optimisers' networks
    const size_t first = s_->params.size();
    std::vector<int64_t> numels;
    for (const Tensor& p : group) {
      DPT_CHECK(s_->index.emplace(p.get(), s_->params.size()).second,
                "data-parallel: a parameter " << p.shape_str() << " is in two optimiser groups");
      s_->params.push_back(p);
      DPT_CHECK(p.dtype() == DType::F32 && p.device() == s_->params.front().device(),
                "data-parallel: every reduced parameter must be float32 on one device, got "
                    << p.describe() << " next to " << s_->params.front().describe());
      numels.push_back(p.numel());
    }
    s_->bucket_of.resize(s_->params.size(), 0);
    for (const auto& list : plan_buckets(numels, bucket_elems)) {
      State::Bucket b;
      int64_t n = 0;
      for (size_t k : list) {
        b.params.push_back(first + k);
        s_->bucket_of[first + k] = s_->buckets.size();
        n += numels[k];
      }
      b.flat = Tensor::zeros({n}, DType::F32, s_->params[first].device());
      b.transport = transport_for(b.flat.device());
      g_transport = b.transport->name();
      s_->buckets.push_back(std::move(b));
    }
  }
  s_->seen.assign(s_->params.size(), 0);
  State* s = s_.get();
  set_leaf_grad_hook([s](TensorImpl* leaf) { s->on_leaf(leaf); });
}

GradReducer::~GradReducer() {
  if (g_world > 1) set_leaf_grad_hook(nullptr);
}

void GradReducer::begin_step() {
  if (g_world <= 1) return;
  // A step that failed mid-way (an exception) may leave requests in flight: the job is aborted then.
  for (auto& b : s_->buckets) {
    b.ready = 0;
    b.sent = b.stale = b.done = false;
  }
  std::fill(s_->seen.begin(), s_->seen.end(), 0);
}

void GradReducer::finish() {
  if (g_world <= 1) return;
  const double t0 = now_seconds();
  for (auto& b : s_->buckets) {
    if (b.sent) {
      s_->wait(b);
      if (b.stale) {  // a later pass added to it: reduce the sum of every pass
        s_->start(b);
        s_->wait(b);
      }
    } else if (b.ready > 0) {  // some of its parameters had no gradient on any path this pass
      s_->start(b);
      s_->wait(b);
    } else {
      continue;  // untouched since the last finish (e.g. the other network of a GAN step)
    }
    s_->unpack(b);
  }
  g_wait_seconds += now_seconds() - t0;
  // A GAN step that updates D, then backpropagates and updates G, reduces the new gradients again.
  begin_step();
}

}  // namespace dpt::dist
