// The three convolution passes shared by conv2d and conv_transpose2d (CPU): forward (im2col + GEMM),
// backward-data (GEMM + col2im) and backward-weight, with groups handled inside each pass (one task
// loop over groups and blocks, GEMM columns batched across samples), plus direct kernels for stride-1
// convs with few output channels per group (ops/cpu/conv_direct.h).
//
// Note [conv determinism]
// Work is split into tasks that own disjoint parts of the result: forward (group, block of
// sample-batched output columns), backward-data (group, block of input channels, block of samples),
// backward-weight (group, block of weight rows; each task sums over all samples itself). Chunk sizes
// depend on the shapes only. Every result element is therefore summed by one task in one fixed order,
// whatever the thread count: results are bitwise reproducible across runs and thread counts, with no
// atomics and no per-thread partial sums (tests: "ops/conv2d/independent of the thread count").
//
// Note [conv_transpose2d as conv2d]
// conv_transpose2d(x, w) is the adjoint of conv2d with the same weight (w [Cin, Cout/g, k, k] read as
// a conv2d weight [K = Cin, C/g = Cout/g, k, k]): its forward is conv2d's backward-data applied to x,
// its dx is conv2d's forward applied to dout, and its dw is conv2d's backward-weight with the roles of
// x and dout swapped. So ConvShape always describes the conv2d view: input [N, C, H, W] -> output
// [N, K, Ho, Wo].
#pragma once
#include <cstdint>
#include <exception>
#include <mutex>

#include "core/threading.h"

namespace dpt::cpu {

// parallel_for(n, 1, fn) for task loops that allocate scratch memory: an exception (bad_alloc) never
// leaves the parallel region; the first one is rethrown after it.
template <class F> void parallel_tasks(int64_t n, const F& fn) {
  std::exception_ptr err;
  std::mutex mu;
  parallel_for(n, 1, [&](int64_t b, int64_t e) {
    try {
      fn(b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      if (!err) err = std::current_exception();
    }
  });
  if (err) std::rethrow_exception(err);
}

struct ConvShape {
  int64_t N, C, H, W;  // conv2d-view input
  int64_t K, Ho, Wo;   // conv2d-view output channels and size
  int kh, kw;          // kernel height and width
  int sh, sw, ph, pw;  // stride and zero padding per axis
  int groups;
  int64_t kk() const { return static_cast<int64_t>(kh) * kw; }
};

// The passes (each picks the GEMM kernels below or, for stride-1 convs with few output channels per
// group, the direct kernels of ops/cpu/conv_direct.h):
// out [N, K, Ho, Wo] = conv(x [N, C, H, W], w [K, C/g, kh, kw]) + bias [K] (bias may be null).
template <class T> void conv_forward_pass(const ConvShape& s, const T* x, const T* w, const T* bias, T* out);
// gx [N, C, H, W] = (bias [C] per channel, or 0) + conv^T(gout [N, K, Ho, Wo]) (overwrites gx).
template <class T> void conv_backward_data_pass(const ConvShape& s, const T* gout, const T* w, const T* bias, T* gx);
// gw [K, C/g, kh, kw] = sum_n gout[n] im2col(x[n])^T (overwrites gw).
template <class T> void conv_backward_weight_pass(const ConvShape& s, const T* x, const T* gout, T* gw);

// The GEMM kernels (im2col + GEMM, GEMM + col2im), same contracts; any shape.
template <class T> void conv_forward_gemm(const ConvShape& s, const T* x, const T* w, const T* bias, T* out);
template <class T> void conv_backward_data_gemm(const ConvShape& s, const T* gout, const T* w, const T* bias, T* gx);
template <class T> void conv_backward_weight_gemm(const ConvShape& s, const T* x, const T* gout, T* gw);
// out[c] = sum over n and the HW positions of g [N, C, HW] (accumulated in double, deterministic).
template <class T> void channel_sum(int64_t N, int64_t C, int64_t HW, const T* g, T* out);

}  // namespace dpt::cpu
