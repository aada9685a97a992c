// im2col / col2im for the convolution kernels, writing straight into the packed-B layout of
// Note [packed GEMM] so no separate im2col matrix is ever materialised for the forward pass.
//
// One group's input planes are x[C, H, W]; the output grid is [Ho, Wo] with kernel k x k, stride s and
// zero padding p. Row r = (c, ky, kx) = (c*k + ky)*k + kx of the column matrix at output position
// q = oy*Wo + ox holds x[c, oy*s - p + ky, ox*s - p + kx] (0 outside the image). Callers pass a
// channel range [c0, c0 + nc) and a position range [q0, q0 + nq); rows are then numbered from c0.
#pragma once
#include <cstdint>

namespace dpt::cpu {

struct Im2colGeom {
  int64_t C, H, W;  // input planes of one group
  int64_t Ho, Wo;   // output grid
  int k, stride, pad;
  int64_t kk() const { return static_cast<int64_t>(k) * k; }
};

// Packed B (K = nc*k*k rows, N = nq positions): panels [ceil(nq/nr)][nc*k*k][nr], zero-padded.
template <class T>
void im2col_pack_b(const Im2colGeom& g, const T* x, int64_t c0, int64_t nc, int64_t q0, int64_t nq, int nr, T* dst);

// Packed B of the transposed column matrix (K = nq positions, N = nrows rows r0 .. r0 + nrows - 1,
// numbered from channel 0): panels [ceil(nrows/nr)][nq][nr], zero-padded.
template <class T>
void im2col_pack_bt(const Im2colGeom& g, const T* x, int64_t r0, int64_t nrows, int64_t q0, int64_t nq, int nr,
                    T* dst);

// The adjoint: dx[c, iy, ix] += col[r * ldcol + (q - q0)] over rows of channels [c0, c0 + nc) and
// positions [q0, q0 + nq). Rows run in order, so the result is deterministic.
template <class T>
void col2im_add(const Im2colGeom& g, const T* col, int64_t ldcol, int64_t c0, int64_t nc, int64_t q0, int64_t nq,
                T* dx);

}  // namespace dpt::cpu
