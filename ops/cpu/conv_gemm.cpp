// GEMM-based convolution passes (ops/cpu/conv_gemm.h): task decomposition (Note [conv determinism]),
// weight packing and the per-task im2col / GEMM / col2im loops.
#include "ops/cpu/conv_gemm.h"

#include <algorithm>
#include <type_traits>
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

// Columns per chunk: a multiple of nr, at least nr, at most `total` rounded up.
int64_t chunk_columns(int64_t rows, int64_t total, int nr) {
  int64_t t = kScratchElems / std::max<int64_t>(rows, 1) / nr * nr;
  return std::clamp<int64_t>(t, nr, round_up(total, nr));
}

// How many blocks to cut each of `units` independent units into so that there are about
// 2 tasks per thread (never more blocks than `max_blocks`).
int64_t blocks_per_unit(int64_t units, int64_t max_blocks) {
  const int64_t target = 2 * num_threads();
  if (units >= target) return 1;
  return std::clamp<int64_t>((target + units - 1) / std::max<int64_t>(units, 1), 1, std::max<int64_t>(max_blocks, 1));
}

Im2colGeom geom_of(const ConvShape& s) {
  return {s.C / s.groups, s.H, s.W, s.Ho, s.Wo, s.kh, s.kw, s.sh, s.sw, s.ph, s.pw};
}

// Note [sample-batched columns]: the GEMM columns of one group run over (sample, position) pairs,
// v = n P + q, so small maps (4x4 .. 16x16) still fill the 32-wide register tiles and each packed
// weight panel is reused across samples. fn(n, q, len, offset) visits the per-sample segments of the
// column range [v0, v0 + nv); offset is the segment's first column relative to v0.
template <class F> void for_each_segment(int64_t P, int64_t v0, int64_t nv, F fn) {
  for (int64_t v = v0; v < v0 + nv;) {
    const int64_t n = v / P, q = v % P, len = std::min(P - q, v0 + nv - v);
    fn(n, q, len, v - v0);
    v += len;
  }
}

}  // namespace

template <class T> void conv_forward_gemm(const ConvShape& s, const T* x, const T* w, const T* bias, T* out) {
  const int64_t G = s.groups, Cg = s.C / G, Kg = s.K / G, rows = Cg * s.kk(), P = s.Ho * s.Wo;
  const int64_t HW = s.H * s.W, V = s.N * P;
  if (s.N == 0 || s.K == 0 || P == 0) return;
  const int nr = gemm_tile<T>().nr;
  const Im2colGeom geom = geom_of(s);

  // A_g = w_g [Kg, rows], packed once per call.
  const int64_t asz = packed_a_size<T>(Kg, rows);
  AlignedBuffer<T> ap(G * asz);
  parallel_tasks(G, [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g) pack_a<T>(Kg, rows, w + g * Kg * rows, rows, 1, ap.data() + g * asz);
  });

  // Tasks: (group, chunk of sample-batched columns); each owns its output columns.
  const int64_t tcols = chunk_columns(rows, V, nr), nchunks = (V + tcols - 1) / tcols;
  parallel_tasks(G * nchunks, [&](int64_t t0, int64_t t1) {
    AlignedBuffer<T> bp(packed_b_size<T>(rows, tcols)), tmp;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t g = t / nchunks, v0 = t % nchunks * tcols, nv = std::min(tcols, V - v0);
      for_each_segment(P, v0, nv, [&](int64_t n, int64_t q, int64_t len, int64_t off) {
        im2col_pack_b<T>(geom, x + (n * s.C + g * Cg) * HW, 0, Cg, q, len, nr, bp.data(), off);
      });
      pack_b_zero_tail<T>(rows, nv, bp.data());
      const T* bg = bias ? bias + g * Kg : nullptr;
      if (v0 / P == (v0 + nv - 1) / P) {  // one sample: write the output in place
        const int64_t n = v0 / P, q = v0 % P;
        gemm_packed<T>(Kg, nv, rows, ap.data() + g * asz, bp.data(), out + (n * s.K + g * Kg) * P + q, P, false, bg);
        continue;
      }
      T* c = tmp.resize(Kg * tcols);
      gemm_packed<T>(Kg, nv, rows, ap.data() + g * asz, bp.data(), c, tcols, false, bg);
      for_each_segment(P, v0, nv, [&](int64_t n, int64_t q, int64_t len, int64_t off) {
        for (int64_t co = 0; co < Kg; ++co)
          std::copy(c + co * tcols + off, c + co * tcols + off + len, out + (n * s.K + g * Kg + co) * P + q);
      });
    }
  });
}

template <class T> void conv_backward_data_gemm(const ConvShape& s, const T* gout, const T* w, const T* bias, T* gx) {
  const int64_t G = s.groups, Cg = s.C / G, Kg = s.K / G, kk = s.kk(), rows = Cg * kk;
  const int64_t P = s.Ho * s.Wo, HW = s.H * s.W;
  if (s.N == 0 || s.C == 0 || HW == 0) return;
  const int nr = gemm_tile<T>().nr;
  const Im2colGeom geom = geom_of(s);

  // Columns per chunk, and samples per block (Note [sample-batched columns]): a block of nb samples
  // is one chunk when P < tcols. Both depend on the shapes only, never on the thread count: they fix
  // the col2im summation order.
  const int64_t tcols = chunk_columns(std::max(rows, Kg), s.N * P, nr);
  const int64_t nb = std::max<int64_t>(1, tcols / std::max<int64_t>(P, 1)), nblocks = (s.N + nb - 1) / nb;

  // Input-channel blocks per (group, sample block); block b of a group covers channels [cb[b], cb[b+1]).
  const int64_t CB = blocks_per_unit(G * nblocks, Cg);
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
  parallel_tasks(G * CB, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t g = t / CB, b = t % CB;
      pack_a<T>((cb[b + 1] - cb[b]) * kk, Kg, w + g * Kg * rows + cb[b] * kk, 1, rows, ap.data() + aoff[t]);
    }
  });

  // Tasks: (group, channel block, sample block); each owns gx of its channels and samples.
  parallel_tasks(G * CB * nblocks, [&](int64_t t0, int64_t t1) {
    AlignedBuffer<T> bp(packed_b_size<T>(Kg, tcols)), col(max_rows * tcols);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t g = t / (CB * nblocks), b = t / nblocks % CB, blk = t % nblocks;
      const int64_t c0 = cb[b], nc = cb[b + 1] - cb[b];
      const int64_t n0 = blk * nb, n1 = std::min(s.N, n0 + nb);
      for (int64_t n = n0; n < n1; ++n) {
        T* gxg = gx + (n * s.C + g * Cg) * HW;
        for (int64_t c = c0; c < c0 + nc; ++c)
          std::fill(gxg + c * HW, gxg + (c + 1) * HW, bias ? bias[g * Cg + c] : T(0));
      }
      if (nc == 0 || Kg == 0) continue;
      const int64_t v_end = n1 * P;
      for (int64_t v0 = n0 * P; v0 < v_end; v0 += tcols) {
        const int64_t nv = std::min(tcols, v_end - v0);
        for_each_segment(P, v0, nv, [&](int64_t n, int64_t q, int64_t len, int64_t off) {
          pack_b_columns<T>(Kg, len, gout + (n * s.K + g * Kg) * P + q, P, 1, bp.data(), off);
        });
        pack_b_zero_tail<T>(Kg, nv, bp.data());
        gemm_packed<T>(nc * kk, nv, Kg, ap.data() + aoff[g * CB + b], bp.data(), col.data(), tcols, false, nullptr);
        for_each_segment(P, v0, nv, [&](int64_t n, int64_t q, int64_t len, int64_t off) {
          col2im_add<T>(geom, col.data() + off, tcols, c0, nc, q, len, gx + (n * s.C + g * Cg) * HW);
        });
      }
    }
  });
}

template <class T> void conv_backward_weight_gemm(const ConvShape& s, const T* x, const T* gout, T* gw) {
  const int64_t G = s.groups, Cg = s.C / G, Kg = s.K / G, rows = Cg * s.kk(), P = s.Ho * s.Wo;
  const int64_t V = s.N * P;
  if (s.K == 0 || rows == 0) return;
  if (V == 0) {
    std::fill(gw, gw + s.K * rows, T(0));
    return;
  }
  const int mr = gemm_tile<T>().mr;
  const Im2colGeom geom = geom_of(s);

  // dW_g^T [rows, Kg] = sum over columns v = (n, q) of im2col [rows, V] gout^T [V, Kg]: the im2col rows
  // (C/g kh kw, a multiple of 12 whenever C/g is a multiple of 4 and the kernel 3x3) are the GEMM rows and the output
  // channels its columns, which fit the 12 x 32 tile better than the other way round. Tasks: (group,
  // block of rows aligned to A panels), each summing over every sample and position itself.
  const int64_t npanels = (rows + mr - 1) / mr;
  const int64_t RB = blocks_per_unit(G, npanels);
  std::vector<int64_t> pb(RB + 1);
  for (int64_t b = 0; b <= RB; ++b) pb[b] = npanels * b / RB;
  const int64_t max_rows = (npanels + RB - 1) / RB * mr;
  // Columns (sample-batched positions) per GEMM call, its K: independent of RB, as it fixes the
  // summation order.
  const int64_t tpos = std::min<int64_t>(kPositionsPerStep, V);

  parallel_tasks(G * RB, [&](int64_t t0, int64_t t1) {
    AlignedBuffer<T> ap(packed_a_size<T>(max_rows, tpos)), bp(packed_b_size<T>(tpos, Kg));
    AlignedBuffer<T> col(max_rows * tpos), grows(Kg * tpos), acc(max_rows * Kg);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t g = t / RB, b = t % RB;
      const int64_t r0 = pb[b] * mr, nrows = std::min(pb[b + 1] * mr, rows) - r0;
      if (nrows <= 0) continue;
      for (int64_t v0 = 0; v0 < V; v0 += tpos) {
        const int64_t nv = std::min(tpos, V - v0);
        // im2col rows [nrows, nv] and the matching gout rows [Kg, nv], sample by sample.
        for_each_segment(P, v0, nv, [&](int64_t n, int64_t q, int64_t len, int64_t off) {
          im2col_rows<T>(geom, x + (n * s.C + g * Cg) * s.H * s.W, r0, nrows, q, len, col.data() + off, tpos);
          const T* go = gout + (n * s.K + g * Kg) * P + q;
          for (int64_t co = 0; co < Kg; ++co) std::copy(go + co * P, go + co * P + len, grows.data() + co * tpos + off);
        });
        // A = im2col rows, B = gout^T; both packed transposed (16x16 blocks on AVX-512).
        pack_a<T>(nrows, nv, col.data(), tpos, 1, ap.data());
        pack_b<T>(nv, Kg, grows.data(), 1, tpos, bp.data());
        gemm_packed<T>(nrows, Kg, nv, ap.data(), bp.data(), acc.data(), Kg, v0 > 0, nullptr);
      }
      // gw [K, rows]: gw[g Kg + co][r0 + i] = acc[i][co].
      for (int64_t co = 0; co < Kg; ++co) {
        T* dst = gw + (g * Kg + co) * rows + r0;
        for (int64_t i = 0; i < nrows; ++i) dst[i] = acc.data()[i * Kg + co];
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
  // Instead gx = conv(gout, w flipped in space with in/out swapped per group, padding k - 1 - p per
  // axis), a forward pass whose GEMM has the C/g input channels as rows.
  const int64_t G = s.groups, Cg = s.C / G, Kg = s.K / G, kk = s.kk();
  std::vector<T> wf(s.C * Kg * kk);  // [C, Kg, kh, kw]
  for (int64_t g = 0; g < G; ++g)
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t co = 0; co < Kg; ++co)
        for (int64_t r = 0; r < kk; ++r)
          wf[((g * Cg + c) * Kg + co) * kk + r] = w[((g * Kg + co) * Cg + c) * kk + (kk - 1 - r)];
  const ConvShape f{s.N, s.K, s.Ho, s.Wo, s.C, s.H, s.W, s.kh, s.kw, 1, 1, s.kh - 1 - s.ph, s.kw - 1 - s.pw, s.groups};
  conv_forward_pass<T>(f, gout, wf.data(), bias, gx);
}

template <class T> void conv_backward_weight_pass(const ConvShape& s, const T* x, const T* gout, T* gw) {
  if constexpr (std::is_same<T, float>::value) {
    if (conv_direct_weight_eligible(s)) return conv_backward_weight_direct(s, x, gout, gw);
  }
  conv_backward_weight_gemm<T>(s, x, gout, gw);
}

template <class T> void channel_sum(int64_t N, int64_t C, int64_t HW, const T* g, T* out) {
  parallel_tasks(C, [&](int64_t c0, int64_t c1) {
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
