// Element types and devices. float64 exists for CPU gradient checks; the model runs in float32.
#pragma once
#include <cstddef>
#include <string>

namespace dpt {

enum class DType { F32, F64 };

inline size_t dtype_size(DType t) { return t == DType::F32 ? 4 : 8; }
inline const char* dtype_name(DType t) { return t == DType::F32 ? "float32" : "float64"; }

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::F32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::F64; };

enum class DeviceType { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  static Device cpu() { return {}; }
  static Device cuda(int i = 0) { return {DeviceType::CUDA, i}; }
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
  // "cpu", "cuda", "cuda:1"; throws dpt::Error otherwise.
  static Device parse(const std::string& s);
};

}  // namespace dpt

// Runs the body with `scalar_t` bound to the C++ type of a float dtype.
#define DPT_DISPATCH_FLOAT(dtype, ...)                    \
  do {                                                    \
    if ((dtype) == ::dpt::DType::F32) {                   \
      using scalar_t = float;                             \
      __VA_ARGS__;                                        \
    } else {                                              \
      using scalar_t = double;                            \
      __VA_ARGS__;                                        \
    }                                                     \
  } while (0)
