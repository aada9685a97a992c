// Implementation of the shared test helpers (see tests/test_util.h).
#include "tests/test_util.h"

#include <doctest/doctest.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

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
  const char* env = std::getenv("DPT_SHARED_DIR");
  const std::string d = env && *env ? env : DPT_SHARED_DIR;
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

std::string error_mismatch(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts)
      if (!contains(msg, p)) return "the message does not contain '" + p + "': " + msg;
    return "";
  } catch (const std::exception& e) {
    return std::string("threw a std::exception that is not a dpt::Error: ") + e.what();
  }
  return "threw no error";
}

namespace {
std::mutex skip_mu;
std::vector<std::string> skips;
}  // namespace

void skip(const std::string& reason) {
  MESSAGE("skipped: " << reason);
  std::lock_guard<std::mutex> lock(skip_mu);
  skips.push_back(reason);
}

const std::vector<std::string>& skip_reasons() { return skips; }

namespace {
int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }
void remove_tree(const std::string& path) { ::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

// Owns the process's scratch folder and deletes it when the process exits.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    char tmpl[] = "/tmp/dpt_tests.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("tests: mkdtemp /tmp/dpt_tests.XXXXXX failed");
    path = tmpl;
  }
  ~ScratchDir() { remove_tree(path); }
};
}  // namespace

std::string scratch_dir() {
  static ScratchDir dir;
  return dir.path;
}

std::string temp_dir(const std::string& tag) {
  REQUIRE_MESSAGE((!tag.empty() && tag.find('/') == std::string::npos), "temp_dir: bad tag '" << tag << "'");
  const std::string d = scratch_dir() + "/" + tag;
  remove_tree(d);
  REQUIRE_MESSAGE(::mkdir(d.c_str(), 0755) == 0, "temp_dir: cannot create " << d);
  return d;
}

std::string tool_path(const std::string& name) {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  REQUIRE_MESSAGE(n > 0, "tool_path: cannot read /proc/self/exe");
  const std::string exe(buf, static_cast<size_t>(n)), dir = exe.substr(0, exe.rfind('/'));
  const std::string path = dir + "/../bin/" + name;
  REQUIRE_MESSAGE(::access(path.c_str(), X_OK) == 0,
                  path << " is missing: dpt_tests depends on it (tests/CMakeLists.txt), rebuild dpt_tests");
  return path;
}

CommandResult run_command(const std::string& cmd) {
  static std::atomic<int> counter{0};
  const std::string base = scratch_dir() + "/cmd" + std::to_string(++counter);
  const int rc = std::system((cmd + " > " + base + ".out 2> " + base + ".err").c_str());
  auto slurp = [](const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  CommandResult r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  return r;
}

std::vector<uint8_t> noise_bytes(size_t count, uint32_t seed) {
  std::vector<uint8_t> out(count);
  uint32_t s = seed;
  for (uint8_t& b : out) {
    s = s * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(s >> 24);
  }
  return out;
}

Image8 random_image(int height, int width, uint32_t seed, ImagePattern pattern) {
  Image8 img;
  img.height = height;
  img.width = width;
  img.channels = 3;
  if (pattern == ImagePattern::Noise) {
    img.pixels = noise_bytes(static_cast<size_t>(height) * width * 3, seed);
    return img;
  }
  double f[3][4];  // per channel: x frequency, x phase, y frequency, y phase
  for (int c = 0; c < 3; ++c)
    for (int k = 0; k < 4; ++k) f[c][k] = rng_uniform(seed, static_cast<uint64_t>(c * 4 + k));
  img.pixels.reserve(static_cast<size_t>(height) * width * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) {
        const double v = 0.5 + 0.25 * std::sin(0.3 * (1 + 3 * f[c][0]) * x + 6 * f[c][1]) +
                         0.25 * std::cos(0.3 * (1 + 3 * f[c][2]) * y + 6 * f[c][3]);
        img.pixels.push_back(static_cast<uint8_t>(std::lround(255 * std::min(1.0, std::max(0.0, v)))));
      }
  return img;
}

Config tiny_dpt_config() {
  Config c;
  c.H = c.W = 32;
  c.ngf = c.ndf = 4;
  c.S = 8;
  c.batch = 2;
  c.inpaint_base = 2;
  c.inpaint_max = 4;
  c.emb = 4;
  return c;
}

}  // namespace dpt::test
