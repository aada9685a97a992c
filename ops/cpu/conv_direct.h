// Direct (im2col-free) kernels for stride-1 convolutions with few output channels per group: the
// networks' 3-channel output convs and the discriminator's 1-channel head. With K/g output channels an
// im2col matrix costs one element per 2 K/g flops, which would dominate; these kernels read padded
// input rows directly instead (vectorised over output columns).
#pragma once
#include "ops/cpu/conv_gemm.h"

namespace dpt::cpu {

constexpr int64_t kDirectMaxOutPerGroup = 8;

// Square kernels up to 7x7 with equal padding < k on both axes, stride 1, K/groups <= kDirectMaxOutPerGroup.
bool conv_direct_eligible(const ConvShape& s);

// conv_direct_eligible and an AVX-512 CPU (the GEMM kernel choice, so DPT_GEMM_KERNEL=avx2|generic turns it
// off): the float weight gradient has a vector kernel for s. Otherwise (and for float64) conv_backward_weight_pass
// takes im2col + GEMM: on the SCA-GAN cpu preset's shapes a scalar direct loop took 1-12x its time, the vector
// kernel 1/2 to 1/30 of it.
bool conv_direct_weight_eligible(const ConvShape& s);

// Same contracts as conv_forward_pass / conv_backward_weight_pass (ops/cpu/conv_gemm.h).
template <class T> void conv_forward_direct(const ConvShape& s, const T* x, const T* w, const T* bias, T* out);
// Float only; an Error unless conv_direct_weight_eligible(s).
void conv_backward_weight_direct(const ConvShape& s, const float* x, const float* gout, float* gw);

}  // namespace dpt::cpu
