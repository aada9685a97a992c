// Counter-based random numbers (Note [RNG] in rng.h): a SplitMix64-style finaliser over (seed, counter)
// (core/rng_math.h), Box-Muller normals and the tensor fills.
#include "core/rng.h"

#include <cmath>

#include "core/threading.h"

namespace dpt {

double rng_normal(uint64_t seed, uint64_t counter) {
  // Box-Muller on two independent uniforms drawn from the counter's two halves of a wider stream.
  double u1 = rng_uniform(seed, 2 * counter), u2 = rng_uniform(seed, 2 * counter + 1);
  u1 = 1.0 - u1;  // (0, 1]: log is finite
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

uint64_t Generator::next_u64() { return rng_bits(seed_, advance(1)); }
double Generator::next_uniform() { return rng_uniform(seed_, advance(1)); }

namespace {
template <class Fn>
void fill_with(Tensor& t, Generator& gen, Fn value_at) {
  Tensor host = Tensor::empty(t.shape(), t.dtype());
  const uint64_t first = gen.advance(static_cast<uint64_t>(t.numel())), seed = gen.seed();
  DPT_DISPATCH_FLOAT(t.dtype(), {
    scalar_t* p = host.data<scalar_t>();
    parallel_for(t.numel(), 4096, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = static_cast<scalar_t>(value_at(seed, first + i));
    });
  });
  t.copy_(host);
}
}  // namespace

void uniform_(Tensor& t, double lo, double hi, Generator& gen) {
  fill_with(t, gen, [lo, hi](uint64_t s, uint64_t c) { return lo + (hi - lo) * rng_uniform(s, c); });
}

void normal_(Tensor& t, double mean, double stddev, Generator& gen) {
  fill_with(t, gen, [mean, stddev](uint64_t s, uint64_t c) { return mean + stddev * rng_normal(s, c); });
}

void default_init_(Tensor& t, int64_t fan_in, Generator& gen) {
  DPT_CHECK(fan_in > 0, "default_init_: fan_in must be positive");
  double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  uniform_(t, -bound, bound, gen);
}

}  // namespace dpt
