// Direct stride-1 convolution kernels for few output channels per group (ops/cpu/conv_direct.h).
// Forward: the input rows of every channel pass through a ring of k zero-padded rows, and each output
// row's KG channels are accumulated in registers (AVX-512: 16 columns per vector, float). Weight
// gradient (float, AVX-512 only): per (group, input channel, block of output channels) task, dot products
// of gout rows with shifted padded input rows. Every output element is summed by one task in a fixed
// order (Note [conv determinism]).
#include "ops/cpu/conv_direct.h"

#include <immintrin.h>

#include <algorithm>
#include <climits>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.h"
#include "core/threading.h"
#include "ops/cpu/packed_gemm.h"

namespace dpt::cpu {

namespace {

constexpr int kVec = 16;  // floats per zmm
// Slack after each padded row (>= the widest vector block + k): reads past a row end stay in the buffer.
constexpr int kPadRight = 8 * kVec + 8;

// The AVX-512 paths follow the GEMM kernel choice, so DPT_GEMM_KERNEL=avx2|generic also tests the
// portable code here.
bool have_avx512() {
  static const bool ok = std::string(gemm_tile<float>().isa) == "avx512";
  return ok;
}

// Copies input row iy of plane `src` [H, W] into dst [Wp] with `pad` zeros on the left and zeros after;
// a row outside the image becomes all zeros.
template <class T> void padded_row(const T* src, int64_t H, int64_t W, int64_t iy, int pad, int64_t Wp, T* dst) {
  if (iy < 0 || iy >= H) {
    std::fill(dst, dst + Wp, T(0));
    return;
  }
  std::fill(dst, dst + pad, T(0));
  std::copy(src + iy * W, src + (iy + 1) * W, dst + pad);
  std::fill(dst + pad + W, dst + Wp, T(0));
}

// ---- forward, one output row: out[co][ox] = bias[co] + sum_{c,ky,kx} wt[((c k + ky) k + kx) KG + co] rows[c k + ky][ox + kx]
// (rows: pointers to the padded input rows each (channel, ky) reads)

template <class T>
void forward_row_generic(int KG, const T* const* rows, int64_t Cg, int k, const T* wt, const T* bias, T* out,
                         int64_t out_stride, int64_t Wo) {
  std::vector<T> acc(Wo);
  for (int co = 0; co < KG; ++co) {
    std::fill(acc.begin(), acc.end(), bias ? bias[co] : T(0));
    for (int64_t c = 0; c < Cg; ++c)
      for (int ky = 0; ky < k; ++ky) {
        const T* r = rows[c * k + ky];
        for (int kx = 0; kx < k; ++kx) {
          const T wv = wt[((c * k + ky) * k + kx) * KG + co];
          for (int64_t ox = 0; ox < Wo; ++ox) acc[ox] += wv * r[ox + kx];
        }
      }
    std::copy(acc.begin(), acc.end(), out + co * out_stride);
  }
}

template <int KG, int NV>
__attribute__((target("avx512f,fma"))) void forward_row_avx512(const float* const* rows, int64_t Cg, int k,
                                                                const float* wt, const float* bias, float* out,
                                                                int64_t out_stride, int64_t Wo) {
  for (int64_t ox0 = 0; ox0 < Wo; ox0 += NV * kVec) {
    __m512 acc[KG][NV];
#pragma GCC unroll 8
    for (int co = 0; co < KG; ++co)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[co][v] = _mm512_set1_ps(bias ? bias[co] : 0.0f);
    for (int64_t c = 0; c < Cg; ++c)
      for (int ky = 0; ky < k; ++ky) {
        const float* r = rows[c * k + ky] + ox0;
        const float* wp = wt + (c * k + ky) * k * KG;
        for (int kx = 0; kx < k; ++kx) {
          __m512 xv[NV];
#pragma GCC unroll 8
          for (int v = 0; v < NV; ++v) {
            xv[v] = _mm512_loadu_ps(r + kx + v * kVec);
            __asm__("" : "+v"(xv[v]));  // keep it in a register: folded into each FMA it is reloaded KG times
          }
#pragma GCC unroll 8
          for (int co = 0; co < KG; ++co) {
            const __m512 wv = _mm512_set1_ps(wp[kx * KG + co]);
#pragma GCC unroll 8
            for (int v = 0; v < NV; ++v) acc[co][v] = _mm512_fmadd_ps(wv, xv[v], acc[co][v]);
          }
        }
      }
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      const int64_t left = Wo - ox0 - v * kVec;
      if (left <= 0) break;
      const __mmask16 m = left >= kVec ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
#pragma GCC unroll 8
      for (int co = 0; co < KG; ++co) _mm512_mask_storeu_ps(out + co * out_stride + ox0 + v * kVec, m, acc[co][v]);
    }
  }
}

using ForwardRowFn = void (*)(const float* const*, int64_t, int, const float*, const float*, float*, int64_t,
                              int64_t);
ForwardRowFn forward_row_avx512_for(int KG) {
  switch (KG) {  // NV: as many vectors per row as leave room for KG x NV accumulators
    case 1: return forward_row_avx512<1, 8>;
    case 2: return forward_row_avx512<2, 8>;
    case 3: return forward_row_avx512<3, 6>;
    case 4: return forward_row_avx512<4, 5>;
    case 5: return forward_row_avx512<5, 4>;
    case 6: return forward_row_avx512<6, 3>;
    case 7: return forward_row_avx512<7, 3>;
    default: return forward_row_avx512<8, 2>;
  }
}

// ---- weight gradient, one padded input plane xp [Hp][Wp] of channel c against the gout planes g [nco][Ho][Wo]
// (g_stride apart) of a block of nco output channels:
// acc[(ky k + kx) acc_stride + co] += sum_{oy, ox} g[co][oy][ox] xp[oy + ky][ox + kx]

// Output channels per block of the weight-gradient kernels for a k x k kernel: the AVX-512 kernel keeps
// k x block accumulators, block gout vectors and one input vector in the 32 zmm registers (7x7: 3 channels).
constexpr int weight_block(int k) { return std::min(8, 31 / (k + 1)); }

// Vector accumulators per (kx, co) for one ky at a time; lane sums are reduced in a fixed order, so each
// result element's sum does not depend on the block it is computed in.
template <int K, int KB>
__attribute__((target("avx512f,fma"))) void weight_plane_avx512(const float* xp, int64_t Wp, const float* g,
                                                                 int64_t g_stride, int64_t Ho, int64_t Wo,
                                                                 double* acc, int acc_stride) {
  for (int ky = 0; ky < K; ++ky) {
    __m512 a[K][KB];
#pragma GCC unroll 8
    for (int kx = 0; kx < K; ++kx)
#pragma GCC unroll 8
      for (int co = 0; co < KB; ++co) a[kx][co] = _mm512_setzero_ps();
    for (int64_t oy = 0; oy < Ho; ++oy) {
      const float* xr = xp + (oy + ky) * Wp;
      const float* gr = g + oy * Wo;
      for (int64_t ox0 = 0; ox0 < Wo; ox0 += kVec) {
        const int64_t left = Wo - ox0;
        const __mmask16 m = left >= kVec ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
        __m512 gv[KB];
#pragma GCC unroll 8
        for (int co = 0; co < KB; ++co) gv[co] = _mm512_maskz_loadu_ps(m, gr + co * g_stride + ox0);
#pragma GCC unroll 8
        for (int kx = 0; kx < K; ++kx) {
          __m512 xv = _mm512_loadu_ps(xr + ox0 + kx);
          __asm__("" : "+v"(xv));  // one load, KB FMAs
#pragma GCC unroll 8
          for (int co = 0; co < KB; ++co) a[kx][co] = _mm512_fmadd_ps(gv[co], xv, a[kx][co]);
        }
      }
    }
    for (int kx = 0; kx < K; ++kx)
      for (int co = 0; co < KB; ++co) {
        alignas(64) float lanes[kVec];
        _mm512_store_ps(lanes, a[kx][co]);
        double s = 0;
        for (int l = 0; l < kVec; ++l) s += lanes[l];
        acc[(ky * K + kx) * acc_stride + co] += s;
      }
  }
}

using WeightPlaneFn = void (*)(const float*, int64_t, const float*, int64_t, int64_t, int64_t, double*, int);
// The kernel for blocks of nco channels (nco <= weight_block(K)); nullptr when there is none.
template <int K, int KB> WeightPlaneFn weight_plane_avx512_block(int nco) {
  if constexpr (KB == 0) return nullptr;
  else return nco == KB ? weight_plane_avx512<K, KB> : weight_plane_avx512_block<K, KB - 1>(nco);
}
// Kernel sizes 1 to 7 (conv_direct_eligible); nullptr for others (portable code).
WeightPlaneFn weight_plane_avx512_for(int k, int nco) {
  switch (k) {
    case 1: return weight_plane_avx512_block<1, weight_block(1)>(nco);
    case 2: return weight_plane_avx512_block<2, weight_block(2)>(nco);
    case 3: return weight_plane_avx512_block<3, weight_block(3)>(nco);
    case 4: return weight_plane_avx512_block<4, weight_block(4)>(nco);
    case 5: return weight_plane_avx512_block<5, weight_block(5)>(nco);
    case 6: return weight_plane_avx512_block<6, weight_block(6)>(nco);
    case 7: return weight_plane_avx512_block<7, weight_block(7)>(nco);
    default: return nullptr;
  }
}
}  // namespace

bool conv_direct_eligible(const ConvShape& s) {
  return s.sh == 1 && s.sw == 1 && s.kh == s.kw && s.ph == s.pw && s.K / s.groups <= kDirectMaxOutPerGroup &&
         s.ph < s.kh && s.kh <= 7;
}

template <class T> void conv_forward_direct(const ConvShape& s, const T* x, const T* w, const T* bias, T* out) {
  const int64_t G = s.groups, Cg = s.C / G, P = s.Ho * s.Wo;
  const int KG = static_cast<int>(s.K / G), k = s.kh, pad = s.ph;  // square (conv_direct_eligible)
  if (s.N == 0 || s.K == 0 || P == 0) return;
  const int64_t Wp = s.W + 2 * pad + kPadRight;
  // Weights per group as [c][ky][kx][co] so a tap's KG values are adjacent.
  std::vector<T> wt(s.K * Cg * k * k);
  for (int64_t g = 0; g < G; ++g)
    for (int co = 0; co < KG; ++co)
      for (int64_t r = 0; r < Cg * k * k; ++r) wt[(g * Cg * k * k + r) * KG + co] = w[(g * KG + co) * Cg * k * k + r];
  const ForwardRowFn vfn = std::is_same<T, float>::value && have_avx512() ? forward_row_avx512_for(KG) : nullptr;
  parallel_tasks(s.N * G * s.Ho, [&](int64_t t0, int64_t t1) {
    // Ring of k padded rows per channel: input row iy lives in slot iy mod k, so each output row
    // copies one new input row per channel. Padding columns are zeroed once and never written.
    std::vector<T> ring(Cg * k * Wp, T(0));
    std::vector<int64_t> slot_row(k);
    std::vector<const T*> rowp(Cg * k);
    int64_t cur_plane = -1;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / (G * s.Ho), g = t / s.Ho % G, oy = t % s.Ho;
      const T* xg = x + (n * s.C + g * Cg) * s.H * s.W;
      if (t / s.Ho != cur_plane) {
        cur_plane = t / s.Ho;
        std::fill(slot_row.begin(), slot_row.end(), INT64_MIN);
      }
      for (int ky = 0; ky < k; ++ky) {
        const int64_t iy = oy - pad + ky, slot = ((iy % k) + k) % k;
        if (slot_row[slot] != iy) {
          slot_row[slot] = iy;
          for (int64_t c = 0; c < Cg; ++c) {
            T* dst = ring.data() + (c * k + slot) * Wp + pad;
            if (iy < 0 || iy >= s.H) std::fill(dst, dst + s.W, T(0));
            else std::copy(xg + (c * s.H + iy) * s.W, xg + (c * s.H + iy + 1) * s.W, dst);
          }
        }
        for (int64_t c = 0; c < Cg; ++c) rowp[c * k + ky] = ring.data() + (c * k + slot) * Wp;
      }
      T* o = out + (n * s.K + g * KG) * P + oy * s.Wo;
      const T* wg = wt.data() + g * Cg * k * k * KG;
      const T* bg = bias ? bias + g * KG : nullptr;
      if constexpr (std::is_same<T, float>::value) {
        if (vfn) {
          vfn(rowp.data(), Cg, k, wg, bg, o, P, s.Wo);
          continue;
        }
      }
      forward_row_generic<T>(KG, rowp.data(), Cg, k, wg, bg, o, P, s.Wo);
    }
  });
}

bool conv_direct_weight_eligible(const ConvShape& s) { return conv_direct_eligible(s) && have_avx512(); }

void conv_backward_weight_direct(const ConvShape& s, const float* x, const float* gout, float* gw) {
  DPT_CHECK(conv_direct_weight_eligible(s), "conv_backward_weight_direct: no AVX-512 kernel for k " << s.kh << "x" << s.kw
                                                << ", stride " << s.sh << "x" << s.sw << ", " << s.K << " outputs in "
                                                << s.groups << " groups (conv_direct_weight_eligible)");
  const int64_t G = s.groups, Cg = s.C / G, P = s.Ho * s.Wo;
  const int KG = static_cast<int>(s.K / G), k = s.kh, pad = s.ph;  // square (conv_direct_eligible)
  if (s.K == 0 || Cg == 0) return;
  const int64_t Wp = s.W + 2 * pad + kPadRight, Hp = s.H + 2 * pad;
  // Tasks: (group, input channel, block of output channels); block b holds channels [KG b / B, KG (b + 1) / B).
  // Each task owns its gw elements and sums them over all samples in one order (Note [conv determinism]).
  const int B = (KG + weight_block(k) - 1) / weight_block(k);
  parallel_tasks(G * Cg * B, [&](int64_t t0, int64_t t1) {
    std::vector<float> plane(Hp * Wp);
    std::vector<double> acc(k * k * KG);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t g = t / (Cg * B), c = t / B % Cg;
      const int b = static_cast<int>(t % B), co0 = KG * b / B, nco = KG * (b + 1) / B - co0;
      const WeightPlaneFn wfn = weight_plane_avx512_for(k, nco);
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t n = 0; n < s.N; ++n) {
        const float* xc = x + (n * s.C + g * Cg + c) * s.H * s.W;
        for (int64_t py = 0; py < Hp; ++py) padded_row(xc, s.H, s.W, py - pad, pad, Wp, plane.data() + py * Wp);
        wfn(plane.data(), Wp, gout + (n * s.K + g * KG + co0) * P, P, s.Ho, s.Wo, acc.data(), nco);
      }
      // gw [K, Cg, k, k]: row g KG + co0 + co, column c k k + ky k + kx.
      for (int co = 0; co < nco; ++co)
        for (int r = 0; r < k * k; ++r)
          gw[((g * KG + co0 + co) * Cg + c) * k * k + r] = static_cast<float>(acc[r * nco + co]);
    }
  });
}

template void conv_forward_direct<float>(const ConvShape&, const float*, const float*, const float*, float*);
template void conv_forward_direct<double>(const ConvShape&, const double*, const double*, const double*, double*);

}  // namespace dpt::cpu
