// Autograd wrappers for sum, mean, sum_to and cat.
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
