// GEMM-based convolution passes (ops/cpu/conv_gemm.h): task decomposition (Note [conv determinism]),
// weight packing and the per-task im2col / GEMM / col2im loops.
#include "ops/cpu/conv_gemm.h"

#include <algorithm>
#include <vector>

#include "core/threading.h"
#include "ops/cpu/conv_direct.h"
#include "ops/cpu/im2col.h"
#include "ops/cpu/packed_gemm.h"

namespace dpt::cpu {

namespace {

// Scratch budget per packed buffer (elements): ~1 MB of float keeps a task's B block in L2.
constexpr int64_t kScratchElems = int64_t(1) << 18;

// Output positions summed per backward-weight GEMM call.
constexpr int64_t kPositionsPerStep = 256;

int64_t round_up(int64_t a, int64_t m) { return (a + m - 1) / m * m; }

// Columns per chunk: a multiple of nr, at least nr, at most P rounded up.
int64_t chunk_columns(int64_t rows, int64_t P, int nr) {
  int64_t t = kScratchElems / std::max<int64_t>(rows, 1) / nr * nr;
  return std::clamp<int64_t>(t, nr, round_up(P, nr));
}

// How many blocks to cut each of `units` independent units into so that there are about
// 2 tasks per thread (never more blocks than `max_blocks`).
int64_t blocks_per_unit(int64_t units, int64_t max_blocks) {
  const int64_t target = 2 * num_threads();
  if (units >= target) return 1;
  return std::clamp<int64_t>((target + units - 1) / std::max<int64_t>(units, 1), 1, std::max<int64_t>(max_blocks, 1));
}

Im2colGeom geom_of(const ConvShape& s) {
  return {s.C / s.groups, s.H, s.W, s.Ho, s.Wo, s.k, s.stride, s.pad};
}

}  // namespace

template <class T> void conv_forward_gemm(const ConvShape& s, const T* x, const T* w, const T* bias, T* out) {
  const int64_t G = s.groups, Cg = s.C / G, Kg = s.K / G, rows = Cg * s.k * s.k, P = s.Ho * s.Wo;
  if (s.N == 0 || s.K == 0 || P == 0) return;
  const int nr = gemm_tile<T>().nr;
  const Im2colGeom geom = geom_of(s);

  // A_g = w_g [Kg, rows], packed once per call.
  const int64_t asz = packed_a_size<T>(Kg, rows);
  AlignedBuffer<T> ap(G * asz);
  parallel_for(G, 1, [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g) pack_a<T>(Kg, rows, w + g * Kg * rows, rows, 1, ap.data() + g * asz);
  });

  const int64_t tcols = chunk_columns(rows, P, nr), nchunks = (P + tcols - 1) / tcols;
  parallel_for(s.N * G * nchunks, 1, [&](int64_t t0, int64_t t1) {
    AlignedBuffer<T> bp(packed_b_size<T>(rows, tcols));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / (G * nchunks), g = t / nchunks % G, q0 = t % nchunks * tcols;
      const int64_t nq = std::min(tcols, P - q0);
      im2col_pack_b<T>(geom, x + (n * s.C + g * Cg) * s.H * s.W, 0, Cg, q0, nq, nr, bp.data());
      gemm_packed<T>(Kg, nq, rows, ap.data() + g * asz, bp.data(), out + (n * s.K + g * Kg) * P + q0, P, false,
                     bias ? bias + g * Kg : nullptr);
    }
  });
}

template <class T> void conv_backward_data_gemm(const ConvShape& s, const T* gout, const T* w, const T* bias, T* gx) {
  const int64_t G = s.groups, Cg = s.C / G, Kg = s.K / G, kk = int64_t(s.k) * s.k, rows = Cg * kk;
  const int64_t P = s.Ho * s.Wo, HW = s.H * s.W;
  if (s.N == 0 || s.C == 0 || HW == 0) return;
  const int nr = gemm_tile<T>().nr;
  const Im2colGeom geom = geom_of(s);

  // Input-channel blocks per (n, g); block b of a group covers channels [cb[b], cb[b+1]).
  const int64_t CB = blocks_per_unit(s.N * G, Cg);
  std::vector<int64_t> cb(CB + 1), aoff(G * CB + 1, 0);
  for (int64_t b = 0; b <= CB; ++b) cb[b] = Cg * b / CB;
  int64_t max_rows = 0;
  for (int64_t g = 0; g < G; ++g)
    for (int64_t b = 0; b < CB; ++b) {
      const int64_t r = (cb[b + 1] - cb[b]) * kk;
      max_rows = std::max(max_rows, r);
      aoff[g * CB + b + 1] = aoff[g * CB + b] + packed_a_size<T>(r, Kg);
    }
  // A_{g,b} = (w_g^T)[rows of block b] : [rows_b, Kg], A(i, k) = w[(g Kg + k) rows + cb[b] kk + i].
  AlignedBuffer<T> ap(aoff.back());
  parallel_for(G * CB, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t g = t / CB, b = t % CB;
      pack_a<T>((cb[b + 1] - cb[b]) * kk, Kg, w + g * Kg * rows + cb[b] * kk, 1, rows, ap.data() + aoff[t]);
    }
  });

  // Chunking must not depend on CB (that is, on the thread count): it fixes the col2im summation order.
  const int64_t tcols = chunk_columns(std::max(rows, Kg), P, nr);
  parallel_for(s.N * G * CB, 1, [&](int64_t t0, int64_t t1) {
    AlignedBuffer<T> bp(packed_b_size<T>(Kg, tcols)), col(max_rows * tcols);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / (G * CB), g = t / CB % G, b = t % CB;
      const int64_t c0 = cb[b], nc = cb[b + 1] - cb[b];
      T* gxg = gx + (n * s.C + g * Cg) * HW;
      for (int64_t c = c0; c < c0 + nc; ++c) std::fill(gxg + c * HW, gxg + (c + 1) * HW, bias ? bias[g * Cg + c] : T(0));
      if (nc == 0 || Kg == 0) continue;
      const T* go = gout + (n * s.K + g * Kg) * P;
      for (int64_t q0 = 0; q0 < P; q0 += tcols) {
        const int64_t nq = std::min(tcols, P - q0);
        pack_b<T>(Kg, nq, go + q0, P, 1, bp.data());
        gemm_packed<T>(nc * kk, nq, Kg, ap.data() + aoff[g * CB + b], bp.data(), col.data(), tcols, false, nullptr);
        col2im_add<T>(geom, col.data(), tcols, c0, nc, q0, nq, gxg);
      }
    }
  });
}

template <class T> void conv_backward_weight_gemm(const ConvShape& s, const T* x, const T* gout, T* gw) {
  const int64_t G = s.groups, Cg = s.C / G, Kg = s.K / G, rows = Cg * s.k * s.k, P = s.Ho * s.Wo;
  if (s.K == 0 || rows == 0) return;
  if (s.N == 0 || P == 0) {
    std::fill(gw, gw + s.K * rows, T(0));
    return;
  }
  const int nr = gemm_tile<T>().nr;
  const Im2colGeom geom = geom_of(s);

  // Column blocks of dW_g [Kg, rows], aligned to B panels: block b covers panels [pb[b], pb[b+1]).
  const int64_t npanels = (rows + nr - 1) / nr;
  const int64_t JB = blocks_per_unit(G, npanels);
  std::vector<int64_t> pb(JB + 1);
  for (int64_t b = 0; b <= JB; ++b) pb[b] = npanels * b / JB;
  const int64_t max_cols = (npanels + JB - 1) / JB * nr;
  // Positions per GEMM call (its K): independent of JB, as it fixes the summation order.
  const int64_t tpos = std::min<int64_t>(kPositionsPerStep, P);

  parallel_for(G * JB, 1, [&](int64_t t0, int64_t t1) {
    AlignedBuffer<T> ap(packed_a_size<T>(Kg, tpos)), bp(packed_b_size<T>(tpos, max_cols));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t g = t / JB, b = t % JB;
      const int64_t j0 = pb[b] * nr, nj = std::min(pb[b + 1] * nr, rows) - j0;
      T* gwg = gw + g * Kg * rows + j0;
      if (nj <= 0) continue;
      for (int64_t n = 0; n < s.N; ++n) {
        const T* go = gout + (n * s.K + g * Kg) * P;
        const T* xg = x + (n * s.C + g * Cg) * s.H * s.W;
        for (int64_t q0 = 0; q0 < P; q0 += tpos) {
          const int64_t nq = std::min(tpos, P - q0);
          pack_a<T>(Kg, nq, go + q0, P, 1, ap.data());
          im2col_pack_bt<T>(geom, xg, j0, nj, q0, nq, nr, bp.data());
          gemm_packed<T>(Kg, nj, nq, ap.data(), bp.data(), gwg, rows, n > 0 || q0 > 0, nullptr);
        }
      }
    }
  });
}

template <class T> void conv_forward_pass(const ConvShape& s, const T* x, const T* w, const T* bias, T* out) {
  if (conv_direct_eligible(s)) conv_forward_direct<T>(s, x, w, bias, out);
  else conv_forward_gemm<T>(s, x, w, bias, out);
}

template <class T> void conv_backward_data_pass(const ConvShape& s, const T* gout, const T* w, const T* bias, T* gx) {
  if (!conv_direct_eligible(s)) {
    conv_backward_data_gemm<T>(s, gout, w, bias, gx);
    return;
  }
  // Stride 1 with few output channels per group: col2im would move one element per 2 K/g flops.
  // Instead gx = conv(gout, w flipped in space with in/out swapped per group, padding k - 1 - p),
  // a forward pass whose GEMM has the C/g input channels as rows.
  const int64_t G = s.groups, Cg = s.C / G, Kg = s.K / G, kk = int64_t(s.k) * s.k;
  std::vector<T> wf(s.C * Kg * kk);  // [C, Kg, k, k]
  for (int64_t g = 0; g < G; ++g)
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t co = 0; co < Kg; ++co)
        for (int64_t r = 0; r < kk; ++r)
          wf[((g * Cg + c) * Kg + co) * kk + r] = w[((g * Kg + co) * Cg + c) * kk + (kk - 1 - r)];
  const ConvShape f{s.N, s.K, s.Ho, s.Wo, s.C, s.H, s.W, s.k, 1, s.k - 1 - s.pad, s.groups};
  conv_forward_pass<T>(f, gout, wf.data(), bias, gx);
}

template <class T> void conv_backward_weight_pass(const ConvShape& s, const T* x, const T* gout, T* gw) {
  if (conv_direct_eligible(s)) conv_backward_weight_direct<T>(s, x, gout, gw);
  else conv_backward_weight_gemm<T>(s, x, gout, gw);
}

template <class T> void channel_sum(int64_t N, int64_t C, int64_t HW, const T* g, T* out) {
  parallel_for(C, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double acc = 0;
      for (int64_t n = 0; n < N; ++n) {
        const T* p = g + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) acc += p[i];
      }
      out[c] = static_cast<T>(acc);
    }
  });
}

#define DPT_CONV_GEMM_INSTANTIATE(T)                                                                \
  template void conv_forward_pass<T>(const ConvShape&, const T*, const T*, const T*, T*);          \
  template void conv_backward_data_pass<T>(const ConvShape&, const T*, const T*, const T*, T*);    \
  template void conv_backward_weight_pass<T>(const ConvShape&, const T*, const T*, T*);            \
  template void conv_forward_gemm<T>(const ConvShape&, const T*, const T*, const T*, T*);          \
  template void conv_backward_data_gemm<T>(const ConvShape&, const T*, const T*, const T*, T*);    \
  template void conv_backward_weight_gemm<T>(const ConvShape&, const T*, const T*, T*);            \
  template void channel_sum<T>(int64_t, int64_t, int64_t, const T*, T*);
DPT_CONV_GEMM_INSTANTIATE(float)
DPT_CONV_GEMM_INSTANTIATE(double)
#undef DPT_CONV_GEMM_INSTANTIATE

}  // namespace dpt::cpu
