// Autograd wrappers for sum, mean, max along a dim, sum_to and cat.
#include "ops/reduce.h"

#include "core/autograd.h"
#include "core/dispatch.h"
#include "ops/elementwise.h"

namespace dpt {

namespace {
// Gradient of a reduction: g (of the reduced shape) stretched back over `shape`.
Tensor expand_to(const Tensor& g, const Shape& shape) {
  Tensor ones = Tensor::ones(shape, g.dtype(), g.device());
  return mul(ones, g);
}
}  // namespace

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  // Accept a shape of lower rank (broadcast from the right) by reducing to the padded shape first.
  DPT_CHECK(shape.size() <= static_cast<size_t>(x.dim()),
            "sum_to: cannot reduce " << x.shape_str() << " to " << shape_str(shape));
  Shape padded(x.dim() - shape.size(), 1);
  padded.insert(padded.end(), shape.begin(), shape.end());
  for (int64_t d = 0; d < x.dim(); ++d)
    DPT_CHECK(padded[d] == 1 || padded[d] == x.shape()[d],
              "sum_to: cannot reduce " << x.shape_str() << " to " << shape_str(shape));
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty(padded, x.dtype(), x.device());
  DPT_DISPATCH(x.device(), sum_to_forward, xc, out);
  Shape full = x.shape();
  Tensor result = make_result(out, "sum_to", {x}, [full](const Tensor& g) {
    return std::vector<Tensor>{expand_to(g, full)};
  });
  return padded == shape ? result : result.reshape(shape);
}

Tensor sum(const Tensor& x) { return sum_to(x, Shape(x.dim(), 1)).reshape({}); }

Tensor mean(const Tensor& x) {
  DPT_CHECK(x.numel() > 0, "mean of an empty tensor " << x.shape_str());
  return mul_scalar(sum(x), 1.0 / static_cast<double>(x.numel()));
}

namespace {
// dim in [0, rank) after counting a negative one from the end; errors name the op and the shape.
int64_t normalise_dim(const char* op, const Tensor& x, int64_t dim) {
  const int64_t d = dim < 0 ? dim + x.dim() : dim;
  DPT_CHECK(d >= 0 && d < x.dim(), op << ": dim " << dim << " out of range for " << x.shape_str());
  return d;
}
Shape without_dim(Shape s, int64_t d) {
  s.erase(s.begin() + d);
  return s;
}
}  // namespace

Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
  const int64_t d = normalise_dim("sum", x, dim);
  Shape kept = x.shape();
  kept[d] = 1;
  Tensor r = sum_to(x, kept);
  return keepdim ? r : r.reshape(without_dim(kept, d));
}

Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
  const int64_t d = normalise_dim("mean", x, dim);
  DPT_CHECK(x.size(d) > 0, "mean: dim " << dim << " of " << x.shape_str() << " is empty");
  return mul_scalar(sum(x, d, keepdim), 1.0 / static_cast<double>(x.size(d)));
}

MaxDim max_with_indices(const Tensor& x, int64_t dim, bool keepdim) {
  const int64_t d = normalise_dim("max", x, dim);
  DPT_CHECK(x.size(d) > 0, "max: dim " << dim << " of " << x.shape_str() << " is empty");
  DPT_CHECK(x.size(d) < (int64_t(1) << 24), "max: dim " << dim << " of " << x.shape_str()
                                                          << " is too long for exact float indices (2^24)");
  Shape kept = x.shape();
  kept[d] = 1;
  Tensor xc = x.contiguous();
  Tensor values = Tensor::empty(kept, x.dtype(), x.device()), indices = Tensor::empty(kept, x.dtype(), x.device());
  DPT_DISPATCH(x.device(), max_dim_forward, xc, d, values, indices);
  const Shape xs = x.shape();
  Tensor idx = indices;
  Tensor v = make_result(values, "max_dim", {x}, [xs, idx, d](const Tensor& g) {
    Tensor gx = Tensor::empty(xs, idx.dtype(), idx.device());
    DPT_DISPATCH(idx.device(), max_dim_backward, g.contiguous(), idx, d, gx);
    return std::vector<Tensor>{gx};
  });
  if (keepdim) return {v, indices};
  return {v.reshape(without_dim(kept, d)), indices.reshape(without_dim(kept, d))};
}

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  DPT_CHECK(!xs.empty(), "cat: no tensors");
  const Tensor& first = xs[0];
  if (dim < 0) dim += first.dim();
  DPT_CHECK(dim >= 0 && dim < first.dim(), "cat: dim out of range for " << first.shape_str());
  Shape shape = first.shape();
  shape[dim] = 0;
  for (const Tensor& x : xs) {
    DPT_CHECK(x.dim() == first.dim() && x.dtype() == first.dtype() && x.device() == first.device(),
              "cat: " << x.describe() << " does not match " << first.describe());
    for (int64_t d = 0; d < x.dim(); ++d)
      DPT_CHECK(d == dim || x.shape()[d] == first.shape()[d],
                "cat along dim " << dim << ": shapes " << first.shape_str() << " and " << x.shape_str());
    shape[dim] += x.shape()[dim];
  }
  Tensor out = Tensor::empty(shape, first.dtype(), first.device());
  std::vector<int64_t> sizes;
  int64_t off = 0;
  for (const Tensor& x : xs) {
    out.detach().slice(dim, off, off + x.shape()[dim]).copy_(x);
    sizes.push_back(x.shape()[dim]);
    off += x.shape()[dim];
  }
  return make_result(out, "cat", xs, [sizes, dim](const Tensor& g) {
    std::vector<Tensor> grads;
    int64_t o = 0;
    for (int64_t n : sizes) {
      grads.push_back(g.slice(dim, o, o + n).contiguous());
      o += n;
    }
    return grads;
  });
}

}  // namespace dpt
