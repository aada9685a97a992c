// dpt_mpi_compare: the judge of the data-parallel tests (tests/mpi_tests.cmake).
//   dpt_mpi_compare tensors A.safetensors B.safetensors REL [NOISE]  every tensor of A (weights and adam.m/v.*)
//                                                              is in B with ||a-b|| <= REL * ||b|| (see
//                                                              compare_tensors for round-off-only ones);
//                                                              NOISE: the bound of noise-driven weights
//   dpt_mpi_compare kinds A.safetensors B.safetensors REL     all weights as one vector: ||A-B|| <= REL *
//                                                              ||B||; the same figure of all adam.m and
//                                                              all adam.v is printed, not judged
//   dpt_mpi_compare exact A.safetensors B.safetensors         every tensor of A equals B's bit for bit
//   dpt_mpi_compare losses A.jsonl B.jsonl REL [FIRST]         the same records (stage, step), every loss
//                                                              within REL relative (1e-6 absolute floor);
//                                                              FIRST: judge only the first FIRST records
//   dpt_mpi_compare cuda-devices                               prints the number of CUDA devices (0
//                                                              without a CUDA backend), for the gpu test
// Prints the worst tensor / loss and its figure; exit 0 when within, 1 when not, 2 on bad usage.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "io/json.h"
#include "io/safetensors.h"
#ifdef DPT_WITH_CUDA
#include "ops/cuda/runtime.h"
#endif

using namespace dpt;

namespace {

// The kind of a checkpoint tensor: Adam's first or second moments, or a weight.
std::string kind_of(const std::string& name) {
  if (name.rfind("adam.m.", 0) == 0) return "adam.m";
  if (name.rfind("adam.v.", 0) == 0) return "adam.v";
  return "weight";
}

// Relative per tensor (L2). A tensor whose norm is below 1e-3 of the largest of its kind holds only
// round-off (e.g. the gradient of a bias in front of InstanceNorm is zero in exact arithmetic, ~1e-11
// computed): its difference is judged relative to the largest tensor of its kind instead of itself.
// A weight whose Adam first moment is round-off only is driven by noise (Adam scales any gradient to
// steps of about lr): it is judged by its largest element difference against `noise_abs` instead.
int compare_tensors(const std::string& a_path, const std::string& b_path, double rel, bool exact,
                    double noise_abs = 0, bool per_kind = false) {
  const SafetensorsFile a = SafetensorsFile::read(a_path), b = SafetensorsFile::read(b_path);
  struct Row {
    std::string name;
    double diff, norm, max_abs;
  };
  std::vector<Row> rows;
  std::map<std::string, double> largest;
  for (const std::string& name : a.names()) {
    const std::vector<double> x = a.tensor(name).to_vector(), y = b.tensor(name).to_vector();
    if (x.size() != y.size()) {
      std::printf("FAIL %s: %zu vs %zu elements\n", name.c_str(), x.size(), y.size());
      return 1;
    }
    double diff = 0, norm = 0, max_abs = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      max_abs = std::max(max_abs, std::fabs(x[i] - y[i]));
      if (exact && std::memcmp(&x[i], &y[i], sizeof(double)) != 0) {
        std::printf("FAIL %s: element %zu differs: %.9g vs %.9g\n", name.c_str(), i, x[i], y[i]);
        return 1;
      }
      diff += (x[i] - y[i]) * (x[i] - y[i]);
      norm += y[i] * y[i];
    }
    rows.push_back({name, std::sqrt(diff), std::sqrt(norm), max_abs});
    double& big = largest[kind_of(name)];
    big = std::max(big, std::sqrt(norm));
  }
  if (exact) {
    std::printf("OK %zu tensors bit-identical\n", rows.size());
    return 0;
  }
  if (per_kind) {  // the whole network's weights, first and second moments as one vector each
    std::map<std::string, std::pair<double, double>> sums;
    for (const Row& r : rows) {
      auto& [d, n] = sums[kind_of(r.name)];
      d += r.diff * r.diff;
      n += r.norm * r.norm;
    }
    bool ok = true;
    for (const auto& [kind, dn] : sums) {
      const double e = std::sqrt(dn.first) / std::max(std::sqrt(dn.second), 1e-30);
      // The moments after several steps are reported only: a ReLU unit near zero that flips between
      // two runs changes its rows' gradients by O(1) while the weights stay within round-off scale.
      const bool judged = kind == "weight";
      ok = ok && (!judged || e <= rel);
      std::printf("%s all %s: relative difference %.3g%s\n", !judged ? "info" : e <= rel ? "OK" : "FAIL", kind.c_str(), e,
                  judged ? (", limit " + std::to_string(rel)).c_str() : "");
    }
    return ok ? 0 : 1;
  }
  std::map<std::string, bool> is_roundoff;
  for (const Row& r : rows) is_roundoff[r.name] = r.norm < 1e-3 * largest[kind_of(r.name)];
  double worst = 0, worst_signal = 0, worst_noise = 0;
  std::string worst_name;
  size_t roundoff = 0, noise_driven = 0;
  for (const Row& r : rows) {
    const double floor = 1e-3 * largest[kind_of(r.name)];
    auto m = is_roundoff.find("adam.m." + r.name);
    if (noise_abs > 0 && m != is_roundoff.end() && m->second) {
      ++noise_driven;
      worst_noise = std::max(worst_noise, r.max_abs);
      if (std::getenv("DPT_COMPARE_VERBOSE"))
        std::printf("  %-40s max |a-b| %.3g (noise-driven weight)\n", r.name.c_str(), r.max_abs);
      continue;
    }
    const double e = r.diff / std::max(r.norm < floor ? largest[kind_of(r.name)] : r.norm, 1e-30);
    if (r.norm < floor) ++roundoff;
    else worst_signal = std::max(worst_signal, e);
    if (std::getenv("DPT_COMPARE_VERBOSE"))
      std::printf("  %-40s rel %.3g  |b| %.3g  |a-b| %.3g%s\n", r.name.c_str(), e, r.norm, r.diff,
                  r.norm < floor ? " (round-off only)" : "");
    if (e > worst || worst_name.empty()) {
      worst = e;
      worst_name = r.name;
    }
  }
  const bool ok = worst <= rel && worst_noise <= noise_abs;
  std::printf("%s %zu tensors; worst relative difference %.3g (%s), limit %.3g; %.3g over the %zu tensors above "
              "round-off, %zu round-off-only tensors judged relative to the largest of their kind; %zu "
              "noise-driven weights: max |a-b| %.3g, limit %.3g\n",
              ok ? "OK" : "FAIL", rows.size(), worst, worst_name.c_str(), rel, worst_signal,
              rows.size() - roundoff - noise_driven, roundoff, noise_driven, worst_noise, noise_abs);
  return ok ? 0 : 1;
}

std::vector<Json> read_records(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read " + path);
  std::vector<Json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(parse_json(line, path));
  return out;
}

// first: how many records to judge (SIZE_MAX: all).
int compare_losses(const std::string& a_path, const std::string& b_path, double rel, size_t first) {
  const std::vector<Json> a = read_records(a_path), b = read_records(b_path);
  if (first == SIZE_MAX) first = a.size();
  if (a.size() != b.size() || a.empty() || first > a.size()) {
    std::printf("FAIL %zu vs %zu loss records (%zu to judge)\n", a.size(), b.size(), first);
    return 1;
  }
  double worst = 0;
  std::string where;
  for (size_t i = 0; i < first; ++i)
    for (const auto& [key, value] : a[i].as_object()) {
      if (key == "time" || !value.is_number()) continue;
      const Json* other = b[i].find(key);
      if (!other || !other->is_number()) {
        std::printf("FAIL record %zu: '%s' missing in %s\n", i, key.c_str(), b_path.c_str());
        return 1;
      }
      const double x = value.as_number(), y = other->as_number();
      const double r = std::fabs(x - y) / std::max(std::fabs(y), 1e-6);
      if (r > worst || where.empty()) {
        worst = r;
        where = "record " + std::to_string(i) + " " + key;
      }
    }
  std::printf("%s %zu of %zu loss records; worst relative difference %.3g (%s), limit %.3g\n",
              worst <= rel ? "OK" : "FAIL", first, a.size(), worst, where.c_str(), rel);
  return worst <= rel ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "tensors" && (argc == 5 || argc == 6))
      return compare_tensors(argv[2], argv[3], std::atof(argv[4]), false, argc == 6 ? std::atof(argv[5]) : 0);
    if (mode == "kinds" && argc == 5) return compare_tensors(argv[2], argv[3], std::atof(argv[4]), false, 0, true);
    if (mode == "exact" && argc == 4) return compare_tensors(argv[2], argv[3], 0, true);
    if (mode == "losses" && (argc == 5 || argc == 6))
      return compare_losses(argv[2], argv[3], std::atof(argv[4]),
                            argc == 6 ? std::strtoul(argv[5], nullptr, 10) : SIZE_MAX);
    if (mode == "cuda-devices" && argc == 2) {
#ifdef DPT_WITH_CUDA
      std::printf("%d\n", dpt::cuda::device_count());
#else
      std::printf("0\n");
#endif
      return 0;
    }
    std::fprintf(stderr, "usage: dpt_mpi_compare tensors|kinds|exact|losses A B [REL [NOISE|FIRST]] | cuda-devices\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dpt_mpi_compare: error: %s\n", e.what());
    return 1;
  }
}
