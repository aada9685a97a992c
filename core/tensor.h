// Tensor: shape, strides and offset over shared storage, with an autograd slot.
// Copies of a Tensor share one TensorImpl (like torch.Tensor handles); views share storage.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"

namespace dpt {

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& s);  // "[2, 3, 4]"
int64_t shape_numel(const Shape& s);

// One device allocation, returned to its caching allocator when the last tensor lets go.
class Storage {
 public:
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_;
};

class Tensor;
struct Node;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;  // in elements
  int64_t offset = 0;
  DType dtype = DType::F32;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated by backward() for leaves
  std::shared_ptr<Node> grad_fn;     // set for results of differentiable ops
  std::string name;                  // optional, shows up in error messages
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- creation (contiguous) ----
  static Tensor empty(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor ones(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, double value, DType dtype = DType::F32,
                     Device device = Device::cpu());
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape);
  static Tensor from_vector(const std::vector<double>& values, const Shape& shape);
  static Tensor scalar(double value, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }
  static Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype(), t.device()); }

  // ---- metadata ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Shape& strides() const { return impl().strides; }
  int64_t offset() const { return impl().offset; }
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const { return shape_numel(shape()); }
  DType dtype() const { return impl().dtype; }
  Device device() const;
  bool is_contiguous() const;
  std::string shape_str() const { return ::dpt::shape_str(shape()); }
  std::string describe() const;  // "float32[2, 3] on cpu"
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  TensorImpl* get() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  // Pointer to element 0 (storage + offset). Checks the element type.
  template <class T> T* data() const {
    DPT_CHECK(dtype_of<T>::value == dtype(),
              "tensor is " << dtype_name(dtype()) << ", accessed as " << dtype_name(dtype_of<T>::value));
    return reinterpret_cast<T*>(raw_data());
  }
  void* raw_data() const;

  // ---- copies and conversions (not differentiable unless stated) ----
  Tensor contiguous() const;             // differentiable; returns *this if already contiguous
  Tensor clone() const;                  // differentiable deep copy (contiguous)
  Tensor to(DType dtype) const;          // differentiable
  Tensor to(Device device) const;        // differentiable
  Tensor detach() const;                 // shares storage, no graph
  void copy_(const Tensor& src);         // in place, same shape; any devices/dtypes; no autograd
  void fill_(double value);              // in place, no autograd
  void zero_() { fill_(0.0); }
  double item() const;                   // one-element tensor -> double
  std::vector<double> to_vector() const;  // all elements in row-major order, as double, on the host
  std::vector<float> to_float_vector() const;

  // ---- views (differentiable, share storage) ----
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a copy
  Tensor view(const Shape& shape) const;     // must be contiguous
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end) const;  // [start, end) along dim
  Tensor select(int64_t dim, int64_t index) const;              // removes dim
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0) const;  // flattens dims start_dim.. into one

  // ---- autograd ----
  bool requires_grad() const { return impl().requires_grad; }
  Tensor& set_requires_grad(bool r = true);
  Tensor grad() const;                    // undefined until backward() reaches this leaf
  void set_grad(const Tensor& g);
  void zero_grad();                       // drops the gradient (like set_to_none)
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }
  // Backpropagates from this scalar (or with an explicit cotangent of the same shape).
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  Tensor& set_name(const std::string& n) { impl().name = n; return *this; }
  const std::string& name() const { return impl().name; }

 private:
  TensorImpl& impl() const {
    DPT_CHECK(impl_, "use of an undefined tensor");
    return *impl_;
  }
  std::shared_ptr<TensorImpl> impl_;
};

// Strides of a contiguous (row-major) tensor of this shape.
Shape contiguous_strides(const Shape& shape);

}  // namespace dpt
