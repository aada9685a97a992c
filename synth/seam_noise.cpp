// Seam noise on IUV maps (add_seam_noise in seam_noise.h): displaced labels and jittered U, V near seams.
// Every random draw is a pure function of (seed, pixel or block), so the result is thread-independent.
#include "synth/seam_noise.h"

#include <algorithm>
#include <cmath>

#include "core/rng.h"

namespace dpt::synth {

void add_seam_noise(std::vector<uint8_t>& iuv, int H, int W, float amount, uint64_t seed) {
  if (amount <= 0) return;
  const int R = 1 + static_cast<int>(std::lround(2 * amount));
  const int J = 1 + static_cast<int>(std::lround(6 * amount));
  const std::vector<uint8_t> clean = iuv;
  auto label = [&](int r, int c) { return clean[(static_cast<size_t>(r) * W + c) * 3]; };
  const int blocks_w = (W + 2) / 3;
  for (int r = 0; r < H; ++r) {
    for (int c = 0; c < W; ++c) {
      const uint8_t I = label(r, c);
      bool seam = false;
      for (int dr = -R; dr <= R && !seam; ++dr)
        for (int dc = -R; dc <= R && !seam; ++dc) {
          const int rr = r + dr, cc = c + dc;
          if (rr >= 0 && rr < H && cc >= 0 && cc < W && label(rr, cc) != I) seam = true;
        }
      if (!seam) continue;
      const size_t k = static_cast<size_t>(r) * W + c;
      const uint64_t block = static_cast<uint64_t>(r / 3) * blocks_w + static_cast<uint64_t>(c / 3);
      if (rng_uniform(seed, 3 * block) < amount) {
        const uint64_t bits = rng_bits(seed, 3 * block + 1);
        const int dr = static_cast<int>(bits % (2 * R + 1)) - R, dc = static_cast<int>((bits >> 16) % (2 * R + 1)) - R;
        const int rr = std::clamp(r + dr, 0, H - 1), cc = std::clamp(c + dc, 0, W - 1);
        std::copy_n(&clean[(static_cast<size_t>(rr) * W + cc) * 3], 3, &iuv[3 * k]);
      }
      if (iuv[3 * k] == 0) {
        iuv[3 * k + 1] = iuv[3 * k + 2] = 0;
        continue;
      }
      const uint64_t bits = rng_bits(seed ^ 0x1F2E3D4CULL, k);
      for (int ch = 1; ch <= 2; ++ch) {
        const int j = static_cast<int>((bits >> (16 * ch)) % (2 * J + 1)) - J;
        iuv[3 * k + ch] = static_cast<uint8_t>(std::clamp(static_cast<int>(iuv[3 * k + ch]) + j, 0, 255));
      }
    }
  }
}

}  // namespace dpt::synth
