// Implementation of the shared test helpers (tolerances, gradient check, golden files).
#include "tests/test_util.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "core/autograd.h"
#include "core/rng.h"
#include "io/safetensors.h"

namespace dpt::test {

namespace {
std::string index_str(const Shape& shape, int64_t flat) {
  Shape idx(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shape_str(idx);
}
}  // namespace

void expect_close(const Tensor& actual, const Tensor& expected, double atol, double rtol, const std::string& what) {
  INFO(what);
  REQUIRE_MESSAGE(actual.shape() == expected.shape(),
                  what << ": shape " << actual.shape_str() << " vs expected " << expected.shape_str());
  std::vector<double> a = actual.to_vector(), e = expected.to_vector();
  double max_abs = 0, max_rel = 0;
  int64_t worst = -1, bad = 0;
  std::ostringstream first;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = std::fabs(a[i] - e[i]);
    bool ok = d <= atol + rtol * std::fabs(e[i]) && !std::isnan(a[i]);
    if (d > max_abs || std::isnan(d)) { max_abs = d; worst = static_cast<int64_t>(i); }
    if (e[i] != 0) max_rel = std::max(max_rel, d / std::fabs(e[i]));
    if (!ok && bad++ < 5)
      first << "  at " << index_str(expected.shape(), i) << ": " << a[i] << " vs " << e[i] << "\n";
  }
  CHECK_MESSAGE(bad == 0, what << ": " << bad << " of " << a.size() << " elements differ; max abs err " << max_abs
                               << " at " << (worst >= 0 ? index_str(expected.shape(), worst) : "-")
                               << ", max rel err " << max_rel << " (atol " << atol << ", rtol " << rtol
                               << ")\n" << first.str());
}

void expect_golden(const Tensor& actual, const Tensor& expected, double tol, const std::string& what) {
  REQUIRE_MESSAGE(actual.shape() == expected.shape(),
                  what << ": shape " << actual.shape_str() << " vs golden " << expected.shape_str());
  std::vector<double> a = actual.to_vector(), g = expected.to_vector();
  double max_diff = 0, max_g = 0;
  int64_t worst = 0;
  bool nan = false;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = std::fabs(a[i] - g[i]);
    if (std::isnan(a[i])) nan = true;
    if (d > max_diff) { max_diff = d; worst = static_cast<int64_t>(i); }
    max_g = std::max(max_g, std::fabs(g[i]));
  }
  if (tol == 0) {
    CHECK_MESSAGE((max_diff == 0 && !nan), what << ": must be exact, max |a-g| = " << max_diff << " at "
                                               << index_str(expected.shape(), worst));
    return;
  }
  double err = max_g > 0 ? max_diff / max_g : max_diff;
  CHECK_MESSAGE((err <= tol && !nan), what << ": golden error " << err << " > " << tol << " (max |a-g| " << max_diff
                                          << " at " << index_str(expected.shape(), worst) << ": "
                                          << (a.empty() ? 0 : a[worst]) << " vs " << (g.empty() ? 0 : g[worst])
                                          << ", max|g| " << max_g << ")");
}

void gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, std::vector<Tensor> inputs,
               const std::string& what, double atol, double rtol, double eps) {
  INFO("gradcheck " << what);
  for (auto& x : inputs)
    if (x.defined() && x.requires_grad()) {
      REQUIRE_MESSAGE(x.dtype() == DType::F64, what << ": gradcheck needs float64 inputs");
      x.zero_grad();
    }
  Tensor out = f(inputs);
  Generator gen(12345);
  Tensor cot = Tensor::empty(out.shape(), DType::F64);
  normal_(cot, 0.0, 1.0, gen);
  out.backward(cot);
  std::vector<double> c = cot.to_vector();
  auto dot = [&](const Tensor& y) {
    std::vector<double> v = y.to_vector();
    double s = 0;
    for (size_t i = 0; i < v.size(); ++i) s += v[i] * c[i];
    return s;
  };
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    if (!x.defined() || !x.requires_grad()) continue;
    Tensor analytic = x.grad().defined() ? x.grad() : Tensor::zeros(x.shape(), DType::F64);
    Tensor numeric = Tensor::zeros(x.shape(), DType::F64);
    REQUIRE(x.is_contiguous());
    double* p = x.data<double>();
    double* num = numeric.data<double>();
    NoGradGuard ng;
    for (int64_t i = 0; i < x.numel(); ++i) {
      double orig = p[i];
      p[i] = orig + eps;
      double plus = dot(f(inputs));
      p[i] = orig - eps;
      double minus = dot(f(inputs));
      p[i] = orig;
      num[i] = (plus - minus) / (2 * eps);
    }
    expect_close(analytic, numeric, atol, rtol, what + ": input " + std::to_string(k));
  }
}

Tensor rand_leaf(const Shape& shape, uint64_t seed, double lo, double hi) {
  Tensor t = Tensor::empty(shape, DType::F64);
  Generator gen(seed);
  uniform_(t, lo, hi, gen);
  t.set_requires_grad(true);
  return t;
}

std::string test_data_dir() { return DPT_TEST_DATA_DIR; }

std::string shared_dir() {
  struct stat st;
  std::string d = DPT_SHARED_DIR;
  return (stat((d + "/golden").c_str(), &st) == 0 || stat((d + "/data").c_str(), &st) == 0) ? d : "";
}

namespace {
const SafetensorsFile& golden_file(const std::string& file) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<SafetensorsFile>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[file];
  if (!slot) slot = std::make_unique<SafetensorsFile>(SafetensorsFile::read(test_data_dir() + "/golden/" + file));
  return *slot;
}
}  // namespace

Tensor golden(const std::string& file, const std::string& name) { return golden_file(file).tensor(name); }

const std::map<std::string, std::string>& golden_metadata(const std::string& file) {
  return golden_file(file).metadata();
}

void golden_op_case(const std::string& case_name, const std::vector<std::string>& inputs,
                    const std::vector<std::string>& diff, const GoldenOpFn& fn, double tol) {
  const std::string file = "ops.safetensors";
  std::map<std::string, Tensor> ins;
  for (const std::string& n : inputs) ins[n] = golden(file, case_name + "." + n);
  for (const std::string& n : diff) ins[n].set_requires_grad(true);
  Tensor out = fn(ins);
  expect_golden(out, golden(file, case_name + ".out"), tol, case_name + ".out");
  if (diff.empty()) return;
  out.backward(golden(file, case_name + ".dout"));
  for (const std::string& n : diff) {
    REQUIRE_MESSAGE(ins[n].grad().defined(), case_name << ": no gradient reached " << n);
    expect_golden(ins[n].grad(), golden(file, case_name + ".d" + n), tol, case_name + ".d" + n);
  }
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }

}  // namespace dpt::test
