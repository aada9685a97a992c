// im2col / col2im for the convolution kernels. The forward im2col writes straight into the packed-B
// layout of Note [packed GEMM] (no separate im2col matrix); the weight gradient takes plain rows and
// packs them transposed. Stride-2 gathers and scatter-adds use AVX-512 permutes where available.
//
// One group's input planes are x[C, H, W]; the output grid is [Ho, Wo] with kernel kh x kw, strides
// (sh, sw) and zero padding (ph, pw). Row r = (c, ky, kx) = (c*kh + ky)*kw + kx of the column matrix at
// output position q = oy*Wo + ox holds x[c, oy*sh - ph + ky, ox*sw - pw + kx] (0 outside the image). Callers pass a
// channel range [c0, c0 + nc) and a position range [q0, q0 + nq); rows are then numbered from c0.
#pragma once
#include <cstdint>

namespace dpt::cpu {

struct Im2colGeom {
  int64_t C, H, W;  // input planes of one group
  int64_t Ho, Wo;   // output grid
  int kh, kw, sh, sw, ph, pw;
  int64_t kk() const { return static_cast<int64_t>(kh) * kw; }
};

// Packed B with K = nc*kh*kw rows (panels [..][nc*k*k][nr]): positions [q0, q0 + nq) go to columns
// [d0, d0 + nq); other columns are left as they are (callers zero the last panel's tail with
// pack_b_zero_tail, ops/cpu/packed_gemm.h). Several samples can thus share one packed B.
template <class T>
void im2col_pack_b(const Im2colGeom& g, const T* x, int64_t c0, int64_t nc, int64_t q0, int64_t nq, int nr, T* dst,
                   int64_t d0);

// Plain rows: dst[j * ld + (q - q0)] = row r0 + j (numbered from channel 0) at position q, j < nrows.
template <class T>
void im2col_rows(const Im2colGeom& g, const T* x, int64_t r0, int64_t nrows, int64_t q0, int64_t nq, T* dst,
                 int64_t ld);

// The adjoint: dx[c, iy, ix] += col[r * ldcol + (q - q0)] over rows of channels [c0, c0 + nc) and
// positions [q0, q0 + nq). Rows run in order, so the result is deterministic.
template <class T>
void col2im_add(const Im2colGeom& g, const T* col, int64_t ldcol, int64_t c0, int64_t nc, int64_t q0, int64_t nq,
                T* dx);

}  // namespace dpt::cpu
