// Tensor creation, views, copies and host access. Kernels for the maths live in ops/.
#include "core/tensor.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/checked_math.h"
#include "core/device_ops.h"

namespace dpt {

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

int64_t shape_numel(const Shape& s) {
  // Checked: shapes come from files and command lines too (Note [size limits] in core/allocator.cpp).
  int64_t n = 1;
  bool empty = false;
  for (int64_t d : s) {
    DPT_CHECK(d >= 0, "negative dimension in shape " << shape_str(s));
    empty = empty || d == 0;
  }
  if (empty) return 0;
  for (int64_t d : s)
    DPT_CHECK(mul_fits(n, d, &n), "shape " << shape_str(s) << ": the number of elements overflows a 64-bit size");
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape st(shape.size());
  int64_t s = 1;
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
    st[i] = s;
    if (i > 0)  // an empty tensor can have huge other dimensions: still no wrapped stride
      DPT_CHECK(mul_fits(s, std::max<int64_t>(shape[i], 1), &s),
                "shape " << shape_str(shape) << ": its strides overflow a 64-bit size");
  }
  return st;
}

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  data_ = allocator_for(device.type).allocate(bytes);
}

Storage::~Storage() { allocator_for(device_.type).release(data_, bytes_); }

// ---------------------------------------------------------------- device plumbing
namespace {

template <class D, class S>
void copy_strided_cpu_typed(const Tensor& dst, const Tensor& src) {
  const int64_t n = dst.numel();
  const int64_t nd = dst.dim();
  D* d = reinterpret_cast<D*>(dst.raw_data());
  const S* s = reinterpret_cast<const S*>(src.raw_data());
  if (dst.is_contiguous() && src.is_contiguous()) {
    for (int64_t i = 0; i < n; ++i) d[i] = static_cast<D>(s[i]);
    return;
  }
  std::vector<int64_t> idx(nd, 0);
  const Shape& shape = dst.shape();
  for (int64_t i = 0; i < n; ++i) {
    int64_t od = 0, os = 0;
    for (int64_t k = 0; k < nd; ++k) {
      od += idx[k] * dst.strides()[k];
      os += idx[k] * src.strides()[k];
    }
    d[od] = static_cast<D>(s[os]);
    for (int64_t k = nd - 1; k >= 0; --k) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
}

void copy_strided_cpu(const Tensor& dst, const Tensor& src) {
  if (dst.dtype() == DType::F32) {
    if (src.dtype() == DType::F32) copy_strided_cpu_typed<float, float>(dst, src);
    else copy_strided_cpu_typed<float, double>(dst, src);
  } else {
    if (src.dtype() == DType::F32) copy_strided_cpu_typed<double, float>(dst, src);
    else copy_strided_cpu_typed<double, double>(dst, src);
  }
}

void fill_cpu(const Tensor& dst, double value) {
  DPT_DISPATCH_FLOAT(dst.dtype(), {
    scalar_t* p = reinterpret_cast<scalar_t*>(dst.raw_data());
    std::fill(p, p + dst.numel(), static_cast<scalar_t>(value));
  });
}

void add_inplace_cpu(const Tensor& dst, const Tensor& src) {
  DPT_DISPATCH_FLOAT(dst.dtype(), {
    scalar_t* d = reinterpret_cast<scalar_t*>(dst.raw_data());
    const scalar_t* s = reinterpret_cast<const scalar_t*>(src.raw_data());
    const int64_t n = dst.numel();
    for (int64_t i = 0; i < n; ++i) d[i] += s[i];
  });
}

DeviceOps& ops_slot(DeviceType t) {
  static DeviceOps cpu{copy_strided_cpu, fill_cpu, add_inplace_cpu};
  static DeviceOps cuda{};
  return t == DeviceType::CPU ? cpu : cuda;
}

}  // namespace

void register_device_ops(DeviceType type, const DeviceOps& ops) { ops_slot(type) = ops; }

const DeviceOps& device_ops(DeviceType type) {
  const DeviceOps& o = ops_slot(type);
  DPT_CHECK(o.copy_strided, "no tensor operations registered for device type "
                                << (type == DeviceType::CPU ? "cpu" : "cuda"));
  return o;
}

// ---------------------------------------------------------------- creation
Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  const int64_t numel = shape_numel(shape);  // checks for negative dimensions and overflow
  int64_t bytes = 0;
  DPT_CHECK(mul_fits(numel, static_cast<int64_t>(dtype_size(dtype)), &bytes),
            "tensor of shape " << ::dpt::shape_str(shape) << " (" << numel << " elements of " << dtype_name(dtype)
                               << "): its size in bytes overflows a 64-bit size");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(static_cast<size_t>(bytes), device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  t.fill_(value);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0.0, dtype, device); }
Tensor Tensor::ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }
Tensor Tensor::scalar(double value, DType dtype, Device device) { return full({}, value, dtype, device); }

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape) {
  DPT_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape),
            "from_vector: " << values.size() << " values for shape " << ::dpt::shape_str(shape));
  Tensor t = empty(shape, DType::F32);
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

Tensor Tensor::from_vector(const std::vector<double>& values, const Shape& shape) {
  DPT_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape),
            "from_vector: " << values.size() << " values for shape " << ::dpt::shape_str(shape));
  Tensor t = empty(shape, DType::F64);
  std::copy(values.begin(), values.end(), t.data<double>());
  return t;
}

// ---------------------------------------------------------------- metadata
int64_t Tensor::size(int64_t d) const {
  int64_t nd = dim();
  if (d < 0) d += nd;
  DPT_CHECK(d >= 0 && d < nd, "dimension " << d << " out of range for shape " << shape_str());
  return shape()[d];
}

Device Tensor::device() const { return impl().storage->device(); }

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;  // no element to misplace (and fill_ on an empty tensor must not recurse)
  int64_t expect = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    if (shape()[i] != 1 && strides()[i] != expect) return false;
    expect *= shape()[i];
  }
  return true;
}

std::string Tensor::describe() const {
  return std::string(dtype_name(dtype())) + shape_str() + " on " + device().str();
}

void* Tensor::raw_data() const {
  return static_cast<char*>(impl().storage->data()) + impl().offset * dtype_size(dtype());
}

// ---------------------------------------------------------------- copies
void Tensor::copy_(const Tensor& src) {
  DPT_CHECK(shape() == src.shape(), "copy_: shape " << src.shape_str() << " into " << shape_str());
  if (device() == src.device()) {
    device_ops(device().type).copy_strided(*this, src);
    return;
  }
  // Across devices: make both sides contiguous with matching dtype, then one raw copy.
  Tensor s = src;
  {
    NoGradGuard ng;
    if (!s.is_contiguous() || s.dtype() != dtype()) {
      Tensor tmp = empty(s.shape(), dtype(), s.device());
      device_ops(s.device().type).copy_strided(tmp, s);
      s = tmp;
    }
  }
  Tensor d = is_contiguous() ? *this : empty(shape(), dtype(), device());
  size_t bytes = numel() * dtype_size(dtype());
  if (src.device().is_cpu())
    allocator_for(device().type).raw()->copy(d.raw_data(), s.raw_data(), bytes, 0);
  else
    allocator_for(src.device().type).raw()->copy(d.raw_data(), s.raw_data(), bytes, 1);
  if (d.get() != get()) device_ops(device().type).copy_strided(*this, d);
}

void Tensor::fill_(double value) {
  if (is_contiguous()) {
    device_ops(device().type).fill(*this, value);
  } else {
    Tensor tmp = full(shape(), value, dtype(), device());
    copy_(tmp);
  }
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = storage();
  impl->shape = shape();
  impl->strides = strides();
  impl->offset = offset();
  impl->dtype = dtype();
  return Tensor(std::move(impl));
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype(), device());
  out.copy_(*this);
  return make_result(out, "clone", {*this}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::to(DType t) const {
  if (t == dtype()) return *this;
  Tensor out = empty(shape(), t, device());
  out.copy_(*this);
  DType from = dtype();
  return make_result(out, "to_dtype", {*this}, [from](const Tensor& g) { return std::vector<Tensor>{g.to(from)}; });
}

Tensor Tensor::to(Device d) const {
  if (d == device()) return *this;
  Tensor out = empty(shape(), dtype(), d);
  out.copy_(*this);
  Device from = device();
  return make_result(out, "to_device", {*this}, [from](const Tensor& g) { return std::vector<Tensor>{g.to(from)}; });
}

std::vector<double> Tensor::to_vector() const {
  Tensor host = Tensor::empty(shape(), DType::F64);
  host.copy_(*this);
  const double* p = host.data<double>();
  return std::vector<double>(p, p + numel());
}

std::vector<float> Tensor::to_float_vector() const {
  Tensor host = Tensor::empty(shape(), DType::F32);
  host.copy_(*this);
  const float* p = host.data<float>();
  return std::vector<float>(p, p + numel());
}

double Tensor::item() const {
  DPT_CHECK(numel() == 1, "item(): tensor has " << numel() << " elements, shape " << shape_str());
  return to_vector()[0];
}

// ---------------------------------------------------------------- views
namespace {

Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

Shape infer_shape(const Shape& want, int64_t numel, const Shape& from) {
  Shape out = want;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      DPT_CHECK(infer < 0, "reshape: more than one -1 in " << shape_str(want));
      infer = static_cast<int64_t>(i);
    } else {
      DPT_CHECK(out[i] >= 0, "reshape: negative size in " << shape_str(want));
      DPT_CHECK(mul_fits(known, out[i], &known), "reshape: the shape " << shape_str(want) << " overflows a 64-bit size");
    }
  }
  if (infer >= 0) {
    DPT_CHECK(known > 0 && numel % known == 0,
              "reshape: cannot infer the size for " << shape_str(want) << " from " << shape_str(from));
    out[infer] = numel / known;
  }
  DPT_CHECK(shape_numel(out) == numel, "reshape: " << shape_str(from) << " to " << shape_str(want)
                                                   << " changes the number of elements");
  return out;
}

}  // namespace

Tensor Tensor::view(const Shape& new_shape) const {
  DPT_CHECK(is_contiguous(), "view: tensor " << shape_str() << " is not contiguous; use reshape");
  Shape s = infer_shape(new_shape, numel(), shape());
  Shape old = shape();
  Tensor out = make_view(*this, s, contiguous_strides(s), offset());
  return make_result(out, "view", {*this}, [old](const Tensor& g) {
    return std::vector<Tensor>{g.contiguous().view(old)};
  });
}

Tensor Tensor::reshape(const Shape& new_shape) const { return contiguous().view(new_shape); }

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  const int64_t nd = dim();
  DPT_CHECK(static_cast<int64_t>(dims.size()) == nd, "permute: " << dims.size() << " dims for " << shape_str());
  Shape s(nd), st(nd);
  std::vector<int64_t> inverse(nd, -1);
  for (int64_t i = 0; i < nd; ++i) {
    int64_t d = dims[i] < 0 ? dims[i] + nd : dims[i];
    DPT_CHECK(d >= 0 && d < nd && inverse[d] < 0, "permute: invalid dims for " << shape_str());
    inverse[d] = i;
    s[i] = shape()[d];
    st[i] = strides()[d];
  }
  Tensor out = make_view(*this, s, st, offset());
  return make_result(out, "permute", {*this}, [inverse](const Tensor& g) {
    return std::vector<Tensor>{g.permute(inverse)};
  });
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end) const {
  if (d < 0) d += dim();
  DPT_CHECK(d >= 0 && d < dim(), "slice: dim out of range for " << shape_str());
  DPT_CHECK(0 <= start && start <= end && end <= shape()[d],
            "slice: [" << start << ", " << end << ") out of range for dim " << d << " of " << shape_str());
  Shape s = shape();
  s[d] = end - start;
  Tensor out = make_view(*this, s, strides(), offset() + start * strides()[d]);
  Shape full_shape = shape();
  return make_result(out, "slice", {*this}, [full_shape, d, start, end](const Tensor& g) {
    Tensor gx = Tensor::zeros(full_shape, g.dtype(), g.device());
    gx.slice(d, start, end).copy_(g);
    return std::vector<Tensor>{gx};
  });
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  if (d < 0) d += dim();
  Shape s = shape();
  Tensor sl = slice(d, index, index + 1);
  s.erase(s.begin() + d);
  return sl.reshape(s);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  if (d < 0) d += dim() + 1;
  Shape s = shape();
  DPT_CHECK(d >= 0 && d <= dim(), "unsqueeze: dim out of range for " << shape_str());
  s.insert(s.begin() + d, 1);
  return reshape(s);
}

Tensor Tensor::flatten(int64_t start_dim) const {
  if (start_dim < 0) start_dim += dim();
  Shape s(shape().begin(), shape().begin() + start_dim);
  int64_t rest = 1;  // at most numel(): no overflow
  for (int64_t i = start_dim; i < dim(); ++i) rest *= shape()[i];
  s.push_back(rest);
  return reshape(s);
}

// ---------------------------------------------------------------- autograd accessors
Tensor& Tensor::set_requires_grad(bool r) {
  DPT_CHECK(!r || is_leaf(), "set_requires_grad: only leaf tensors can be marked");
  impl().requires_grad = r;
  return *this;
}

Tensor Tensor::grad() const { return Tensor(impl().grad); }

void Tensor::set_grad(const Tensor& g) { impl().grad = g.impl_ptr(); }

void Tensor::zero_grad() { impl().grad.reset(); }

}  // namespace dpt
