// dpt_mpi_compare: the judge of the data-parallel tests (tests/mpi_tests.cmake).
//   dpt_mpi_compare tensors A.safetensors B.safetensors REL   every tensor of A (weights and adam.m/v.*)
//                                                              is in B with ||a-b|| <= REL * ||b||
//   dpt_mpi_compare exact A.safetensors B.safetensors         every tensor of A equals B's bit for bit
//   dpt_mpi_compare losses A.jsonl B.jsonl REL                 the same records (stage, step), every loss
//                                                              within REL relative (1e-6 absolute floor)
// Prints the worst tensor / loss and its figure; exit 0 when within, 1 when not, 2 on bad usage.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "io/json.h"
#include "io/safetensors.h"

using namespace dpt;

namespace {

int compare_tensors(const std::string& a_path, const std::string& b_path, double rel, bool exact) {
  const SafetensorsFile a = SafetensorsFile::read(a_path), b = SafetensorsFile::read(b_path);
  double worst = 0;
  std::string worst_name;
  size_t count = 0;
  for (const std::string& name : a.names()) {
    const std::vector<double> x = a.tensor(name).to_vector(), y = b.tensor(name).to_vector();
    if (x.size() != y.size()) {
      std::printf("FAIL %s: %zu vs %zu elements\n", name.c_str(), x.size(), y.size());
      return 1;
    }
    double diff = 0, norm = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      if (exact && std::memcmp(&x[i], &y[i], sizeof(double)) != 0) {
        std::printf("FAIL %s: element %zu differs: %.9g vs %.9g\n", name.c_str(), i, x[i], y[i]);
        return 1;
      }
      diff += (x[i] - y[i]) * (x[i] - y[i]);
      norm += y[i] * y[i];
    }
    const double r = std::sqrt(diff) / std::max(std::sqrt(norm), 1e-30);
    if (r > worst || worst_name.empty()) {
      worst = r;
      worst_name = name;
    }
    ++count;
  }
  if (exact) {
    std::printf("OK %zu tensors bit-identical\n", count);
    return 0;
  }
  std::printf("%s %zu tensors; worst relative difference %.3g (%s), limit %.3g\n", worst <= rel ? "OK" : "FAIL", count,
              worst, worst_name.c_str(), rel);
  return worst <= rel ? 0 : 1;
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

int compare_losses(const std::string& a_path, const std::string& b_path, double rel) {
  const std::vector<Json> a = read_records(a_path), b = read_records(b_path);
  if (a.size() != b.size() || a.empty()) {
    std::printf("FAIL %zu vs %zu loss records\n", a.size(), b.size());
    return 1;
  }
  double worst = 0;
  std::string where;
  for (size_t i = 0; i < a.size(); ++i)
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
  std::printf("%s %zu loss records; worst relative difference %.3g (%s), limit %.3g\n", worst <= rel ? "OK" : "FAIL",
              a.size(), worst, where.c_str(), rel);
  return worst <= rel ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "tensors" && argc == 5) return compare_tensors(argv[2], argv[3], std::atof(argv[4]), false);
    if (mode == "exact" && argc == 4) return compare_tensors(argv[2], argv[3], 0, true);
    if (mode == "losses" && argc == 5) return compare_losses(argv[2], argv[3], std::atof(argv[4]));
    std::fprintf(stderr, "usage: dpt_mpi_compare tensors|exact|losses A B [REL]\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dpt_mpi_compare: error: %s\n", e.what());
    return 1;
  }
}
