// One element of the Adam update (PyTorch's formula, step t from 1), shared by backends.
#pragma once
#include <cmath>

#include "core/dispatch.h"

namespace dpt {

// bc1 = 1 - beta1^t, bc2 = 1 - beta2^t, precomputed once per step in double.
template <class T>
DPT_HD inline void adam_element(T* p, T g, T* m, T* v, double lr, double beta1, double beta2, double eps,
                                double bc1, double bc2) {
  double mm = beta1 * static_cast<double>(*m) + (1.0 - beta1) * static_cast<double>(g);
  double vv = beta2 * static_cast<double>(*v) + (1.0 - beta2) * static_cast<double>(g) * static_cast<double>(g);
  *m = static_cast<T>(mm);
  *v = static_cast<T>(vv);
  double denom = std::sqrt(static_cast<double>(*v) / bc2) + eps;
  *p = static_cast<T>(static_cast<double>(*p) - lr * (static_cast<double>(*m) / bc1) / denom);
}

}  // namespace dpt
