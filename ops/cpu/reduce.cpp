// CPU reduction kernels: sums over the dims where `out` has size 1, accumulated in double per output
// element in a fixed order (deterministic for any thread count); max along a dim.
#include <algorithm>
#include <vector>

#include "core/threading.h"
#include "ops/reduce.h"
#include "ops/reduce_math.h"

namespace dpt::cpu {

void sum_to_forward(const Tensor& x, Tensor& out) {
  const Shape& xs = x.shape();
  const Shape& os = out.shape();
  const int64_t nd = x.dim();
  const int64_t n_out = out.numel(), n_in = x.numel();
  const int64_t per_out = n_out ? n_in / n_out : 0;
  Shape xstr = contiguous_strides(xs);
  // Reduced dims, in row-major order: each output element sums over their index space.
  std::vector<int64_t> rdims, kdims;
  for (int64_t d = 0; d < nd; ++d) (os[d] == 1 && xs[d] != 1 ? rdims : kdims).push_back(d);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    auto reduce_one = [&](int64_t o) {
      int64_t base = 0, rem = o;
      for (int64_t k = static_cast<int64_t>(kdims.size()) - 1; k >= 0; --k) {
        int64_t d = kdims[k];
        base += (rem % xs[d]) * xstr[d];
        rem /= xs[d];
      }
      double acc = 0;
      for (int64_t r = 0; r < per_out; ++r) {
        int64_t off = base, rr = r;
        for (int64_t k = static_cast<int64_t>(rdims.size()) - 1; k >= 0; --k) {
          int64_t d = rdims[k];
          off += (rr % xs[d]) * xstr[d];
          rr /= xs[d];
        }
        acc += px[off];
      }
      po[o] = static_cast<scalar_t>(acc);
    };
    if (n_out == 1) {
      // A full reduction: fixed chunks summed in order, so the bits do not depend on the thread count.
      const int64_t chunk = 1 << 16, nchunks = (n_in + chunk - 1) / chunk;
      std::vector<double> partial(nchunks, 0.0);
      parallel_for(nchunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
          double s = 0;
          for (int64_t i = c * chunk, end = std::min(n_in, (c + 1) * chunk); i < end; ++i) s += px[i];
          partial[c] = s;
        }
      });
      double total = 0;
      for (double s : partial) total += s;
      po[0] = static_cast<scalar_t>(total);
    } else {
      parallel_for(n_out, std::max<int64_t>(1, 4096 / std::max<int64_t>(per_out, 1)), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) reduce_one(o);
      });
    }
  });
}

}  // namespace dpt::cpu

namespace dpt::cpu {

namespace {
// x viewed as [A, n, B] around dim d.
void split_at(const Shape& s, int64_t d, int64_t* A, int64_t* n, int64_t* B) {
  *A = 1, *B = 1;
  for (int64_t i = 0; i < d; ++i) *A *= s[i];
  for (int64_t i = d + 1; i < static_cast<int64_t>(s.size()); ++i) *B *= s[i];
  *n = s[d];
}
}  // namespace

void max_dim_forward(const Tensor& x, int64_t dim, Tensor& values, Tensor& indices) {
  int64_t A, n, B;
  split_at(x.shape(), dim, &A, &n, &B);
  DPT_DISPATCH_FLOAT(x.dtype(), {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* pv = values.data<scalar_t>();
    scalar_t* pi = indices.data<scalar_t>();
    parallel_for(A * B, std::max<int64_t>(1, 4096 / std::max<int64_t>(n, 1)), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const scalar_t* row = px + (o / B) * n * B + o % B;
        const int64_t j = max_dim_argmax(row, n, B);
        pv[o] = row[j * B];
        pi[o] = static_cast<scalar_t>(j);
      }
    });
  });
}

void max_dim_backward(const Tensor& gout, const Tensor& indices, int64_t dim, Tensor& gx) {
  int64_t A, n, B;
  split_at(gx.shape(), dim, &A, &n, &B);
  DPT_DISPATCH_FLOAT(gx.dtype(), {
    const scalar_t* pg = gout.data<scalar_t>();
    const scalar_t* pi = indices.data<scalar_t>();
    scalar_t* pgx = gx.data<scalar_t>();
    parallel_for(A * n * B, 1 << 15, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t b = i % B, j = i / B % n, a = i / (B * n), o = a * B + b;
        pgx[i] = static_cast<int64_t>(pi[o]) == j ? pg[o] : scalar_t(0);
      }
    });
  });
}

}  // namespace dpt::cpu
