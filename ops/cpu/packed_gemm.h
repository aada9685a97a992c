// Single-threaded packed GEMM (BLIS-style) for the convolution kernels: C[M,N] = A[M,K] B[K,N], with
// A and B pre-packed into register-tile panels so that im2col can write B directly in packed form.
//
// Note [packed GEMM]
// - Packed A: panels of MR rows, layout [ceil(M/MR)][K][MR] (rows past M are zero).
//   Packed B: panels of NR columns, layout [ceil(N/NR)][K][NR] (columns past N are zero).
// - MR and NR depend on the element type and the CPU (chosen once at run time): float uses an
//   AVX-512 micro-kernel (12x32) where the CPU has it, else AVX2/FMA (6x16), else portable C++;
//   double (gradient checks only) uses the portable kernel. DPT_GEMM_KERNEL=avx2 or =generic in the
//   environment caps the choice (tests of the other kernels; read once).
// - The sum over K runs in blocks of kGemmKc in a fixed order, so a result depends only on the
//   shapes, never on threads: callers parallelise over disjoint blocks of C (Note [conv determinism]).
// - The kernels are plain C++ with intrinsics in functions carrying target attributes, so the library
//   still builds for x86-64-v2 and runs anywhere.
// - Why not im2col + cblas_sgemm: that needs the whole im2col matrix materialised, and BLAS calls from
//   inside our OpenMP task loops (grouped convs) would oversubscribe OpenBLAS's own threads. Measured
//   with `dpt-bench ops` (2 cores, OPENBLAS_CORETYPE=Haswell as deployed), the 256-channel 3x3 conv
//   runs faster than one OpenBLAS sgemm of the same FLOPs.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <new>

namespace dpt::cpu {

struct GemmTile {
  int mr;  // rows of a register tile (A panel height)
  int nr;  // columns of a register tile (B panel width)
  const char* isa;  // "avx512", "avx2", "generic"
};

template <class T> GemmTile gemm_tile();

// Elements of a packed A (M x K) / packed B (K x N).
template <class T> int64_t packed_a_size(int64_t M, int64_t K);
template <class T> int64_t packed_b_size(int64_t K, int64_t N);

// Packs A(i, k) = a[i*rs + k*cs], i < M, k < K.
template <class T> void pack_a(int64_t M, int64_t K, const T* a, int64_t rs, int64_t cs, T* dst);
// Packs B(k, j) = b[k*rs + j*cs], k < K, j < N.
template <class T> void pack_b(int64_t K, int64_t N, const T* b, int64_t rs, int64_t cs, T* dst);

// Writes B(k, j) = b[k*rs + j*cs], k < K, j < N into columns [d0, d0 + N) of a packed B of K rows
// (any total width); other columns are left as they are.
template <class T> void pack_b_columns(int64_t K, int64_t N, const T* b, int64_t rs, int64_t cs, T* dst, int64_t d0);
// Zeroes columns [N, next multiple of nr) of a packed B of K rows and N columns.
template <class T> void pack_b_zero_tail(int64_t K, int64_t N, T* dst);

// C[i, j] (row stride ldc) = (accumulate ? C[i, j] : (row_bias ? row_bias[i] : 0)) + sum_k A(i,k) B(k,j)
// for i < M, j < N. ap / bp are packed A / B (see above); K >= 0. Single thread.
template <class T>
void gemm_packed(int64_t M, int64_t N, int64_t K, const T* ap, const T* bp, T* c, int64_t ldc, bool accumulate,
                 const T* row_bias);

// 64-byte aligned scratch memory (packing buffers), sized once, never shrinks.
template <class T> class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(int64_t n) { resize(n); }
  ~AlignedBuffer() { std::free(p_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  T* resize(int64_t n) {
    if (n > cap_) {
      std::free(p_);
      size_t bytes = (static_cast<size_t>(n) * sizeof(T) + 63) / 64 * 64;
      p_ = static_cast<T*>(std::aligned_alloc(64, bytes));
      if (!p_) throw std::bad_alloc();
      cap_ = n;
    }
    return p_;
  }
  T* data() const { return p_; }

 private:
  T* p_ = nullptr;
  int64_t cap_ = 0;
};

}  // namespace dpt::cpu
