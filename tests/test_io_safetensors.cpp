// Tests of io/safetensors: every golden file reads and round-trips byte for byte; malformed headers are
// refused with errors naming the file; writes are atomic.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "io/file_io.h"
#include "io/safetensors.h"
#include "test_io_util.h"
#include "test_util.h"

using namespace dpt;
using dpt::test::scratch_dir;

namespace {

// A safetensors file from a header text and a data section, as bytes (no validation: for bad cases).
std::vector<uint8_t> st_bytes(const std::string& header, const std::vector<uint8_t>& data, int64_t len = -1) {
  std::vector<uint8_t> out(8);
  uint64_t n = len < 0 ? header.size() : uint64_t(len);
  for (int i = 0; i < 8; ++i) out[i] = uint8_t(n >> (8 * i));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::string read_error(const std::string& path) {
  try {
    SafetensorsFile::read(path);
  } catch (const dpt::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("golden/io/safetensors reads every golden file and round-trips it") {
  auto files = test::list_files(test::test_data_dir() + "/golden", ".safetensors");
  REQUIRE(files.size() >= 5);
  for (const std::string& path : files) {
    CAPTURE(path);
    SafetensorsFile f = SafetensorsFile::read(path);
    REQUIRE(!f.names().empty());
    std::vector<std::pair<std::string, SafeTensor>> entries;
    for (const std::string& name : f.names()) {
      const SafeTensor& e = f.entry(name);
      Tensor t = e.to_tensor();
      CHECK(t.shape() == e.shape);
      CHECK(t.dtype() == (e.dtype == "F32" ? DType::F32 : DType::F64));
      entries.emplace_back(name, e);
    }
    const std::string out = scratch_dir() + "/roundtrip.safetensors";
    write_safetensors_raw(out, entries, f.metadata());
    SafetensorsFile g = SafetensorsFile::read(out);
    CHECK(g.names() == f.names());
    CHECK(g.metadata() == f.metadata());
    for (const std::string& name : f.names()) {
      CHECK(g.entry(name).dtype == f.entry(name).dtype);
      CHECK(g.entry(name).shape == f.entry(name).shape);
      CHECK(g.entry(name).bytes == f.entry(name).bytes);
    }
  }
}

TEST_CASE("golden/io/safetensors float tensors written by write_safetensors read back bit-exact") {
  SafetensorsFile f = SafetensorsFile::read(test::test_data_dir() + "/golden/tiny_weights.safetensors");
  std::vector<std::pair<std::string, Tensor>> ts;
  for (const std::string& n : f.names()) ts.emplace_back(n, f.tensor(n));
  const std::string out = scratch_dir() + "/weights.safetensors";
  write_safetensors(out, ts, f.metadata());
  SafetensorsFile g = SafetensorsFile::read(out);
  REQUIRE(g.names() == f.names());
  for (const std::string& n : f.names()) CHECK(g.entry(n).bytes == f.entry(n).bytes);
  CHECK(g.metadata().at("dpt_config") == f.metadata().at("dpt_config"));
  // The reference writer's layout (compact JSON, space padding) gives the same bytes here.
  CHECK(test::read_bytes(out) == test::read_bytes(test::test_data_dir() + "/golden/tiny_weights.safetensors"));
}

TEST_CASE("io/safetensors/to_tensor converts every dtype") {
  SafeTensor e;
  e.shape = {3};
  auto put = [&](const char* dtype, const void* p, size_t n) {
    e.dtype = dtype;
    e.bytes.assign(static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
  };
  int64_t i64[3] = {-5, 0, (int64_t(1) << 53)};
  put("I64", i64, sizeof i64);
  CHECK(e.to_tensor().to_vector() == std::vector<double>{-5, 0, 9007199254740992.0});
  int16_t i16[3] = {-32768, 1, 32767};
  put("I16", i16, sizeof i16);
  CHECK(e.to_tensor().to_vector() == std::vector<double>{-32768, 1, 32767});
  uint8_t u8[3] = {0, 128, 255};
  put("U8", u8, 3);
  CHECK(e.to_tensor().dtype() == DType::F64);
  CHECK(e.to_tensor().to_vector() == std::vector<double>{0, 128, 255});
  uint8_t b[3] = {0, 1, 2};
  put("BOOL", b, 3);
  CHECK(e.to_tensor().to_vector() == std::vector<double>{0, 1, 1});
  uint16_t f16[3] = {0x3C00, 0xC000, 0x0001};  // 1, -2, smallest subnormal 2^-24
  put("F16", f16, sizeof f16);
  CHECK(e.to_tensor().dtype() == DType::F32);
  CHECK(e.to_tensor().to_vector() == std::vector<double>{1.0, -2.0, std::ldexp(1.0, -24)});
  uint16_t bf16[3] = {0x3F80, 0x4049, 0x0000};  // 1, 3.140625, 0
  put("BF16", bf16, sizeof bf16);
  CHECK(e.to_tensor().to_vector() == std::vector<double>{1.0, 3.140625, 0.0});
  double f64[3] = {0.1, -1e300, 5e-324};
  put("F64", f64, sizeof f64);
  CHECK(e.to_tensor().dtype() == DType::F64);
  CHECK(e.to_tensor().to_vector() == std::vector<double>{0.1, -1e300, 5e-324});
  e.shape = {};
  float one = 1.5f;
  put("F32", &one, 4);
  Tensor s = e.to_tensor();
  CHECK(s.dim() == 0);
  CHECK(s.item() == 1.5);
}

TEST_CASE("io/safetensors/zero-size and scalar tensors round-trip") {
  const std::string out = scratch_dir() + "/edge.safetensors";
  write_safetensors(out, {{"empty", Tensor::zeros({0, 3})},
                          {"scalar", Tensor::scalar(2.5, DType::F64)},
                          {"v", Tensor::from_vector(std::vector<float>{1, 2, 3}, {3})}});
  SafetensorsFile f = SafetensorsFile::read(out);
  CHECK(f.names() == std::vector<std::string>{"empty", "scalar", "v"});
  CHECK(f.tensor("empty").shape() == Shape{0, 3});
  CHECK(f.tensor("scalar").item() == 2.5);
  CHECK(f.tensor("v").to_vector() == std::vector<double>{1, 2, 3});
  CHECK(f.metadata().empty());
  CHECK_THROWS_WITH_AS(f.entry("nope"), doctest::Contains("edge.safetensors: no tensor named 'nope'"), dpt::Error);
  // The header is padded to 8 bytes, so the data section is aligned.
  auto bytes = test::read_bytes(out);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK(n % 8 == 0);
  CHECK(bytes[8 + n - 1] != '\0');
}

TEST_CASE("io/safetensors/writer refuses bad input and leaves no temporary file") {
  const std::string dir = scratch_dir() + "/atomic";
  (void)::system(("mkdir -p " + dir).c_str());
  const std::string out = dir + "/w.safetensors";
  write_safetensors(out, {{"a", Tensor::ones({2})}});
  auto before = test::read_bytes(out);
  Tensor a = Tensor::ones({2});
  CHECK_THROWS_WITH_AS(write_safetensors(out, {{"a", a}, {"a", a}}), doctest::Contains("given twice"), dpt::Error);
  CHECK_THROWS_WITH_AS(write_safetensors(out, {{"__metadata__", a}}), doctest::Contains("__metadata__"), dpt::Error);
  CHECK(test::read_bytes(out) == before);    // the old file survives a failed write
  CHECK(test::list_files(dir).size() == 1);  // and no w.safetensors.tmp.* is left behind
  CHECK_THROWS_WITH_AS(write_safetensors("/nonexistent-dir/x.safetensors", {{"a", a}}),
                       doctest::Contains("/nonexistent-dir/x.safetensors"), dpt::Error);
}

TEST_CASE("io/safetensors/malformed headers are refused with the file name") {
  const std::string p = scratch_dir() + "/bad.safetensors";
  const std::vector<uint8_t> d8(8, 0);
  auto check = [&](const std::vector<uint8_t>& bytes, const std::string& expect) {
    test::write_bytes(p, bytes);
    std::string err = read_error(p);
    CAPTURE(err);
    CHECK(err.find(p) != std::string::npos);
    CHECK(err.find(expect) != std::string::npos);
  };
  check({1, 2, 3}, "too short");
  check(st_bytes("{}", {}, 1000), "header length 1000 exceeds");
  check(st_bytes("{\"a\":", {}), "invalid JSON");
  check(st_bytes("[]", {}), "must be a JSON object");
  check(st_bytes(R"({"a":{"dtype":"F32","shape":[2]}})", d8), "needs \"dtype\", \"shape\" and \"data_offsets\"");
  check(st_bytes(R"({"a":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}})", d8), "unknown dtype \"F99\"");
  check(st_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", d8), "needs 12 bytes");
  check(st_bytes(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", d8), "non-negative");
  check(st_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", d8), "past the end");
  check(st_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", d8), "not an ordered range");
  check(st_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", d8), "[begin, end]");
  check(st_bytes(R"({"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", d8), "overflows");
  check(st_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                 R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                 d8),
        "overlap");
  check(
      st_bytes(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
          d8),
      "duplicate key");
  check(st_bytes(R"({"__metadata__":{"k":1}})", {}), "must be a string");
  CHECK(read_error(scratch_dir() + "/does-not-exist.safetensors").find("cannot open") != std::string::npos);
}
