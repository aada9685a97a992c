// Issue 15, checkpoints: the CRC32C of the tensor data (Note [checkpoint checksum] in io/safetensors.h)
// catches a flipped byte naming the file; files without it (PyTorch's) still load; NaN/Inf weights are
// refused naming the tensor, by the library and by dpt-infer.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "core/rng.h"
#include "io/crc32c.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/iuv.h"
#include "io/safetensors.h"
#include "models/dpt/checkpoint.h"
#include "tests/test_io_util.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

// The data section starts after the 8-byte length and the header.
uint64_t data_start(const std::vector<uint8_t>& bytes) {
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  return 8 + n;
}

std::string tiny_checkpoint(const std::string& dir) {
  Generator gen(7);
  DensePoseTransfer model(tiny_dpt_config(), gen);
  const std::string path = dir + "/model.safetensors";
  save_checkpoint(path, model);
  return path;
}

}  // namespace

TEST_CASE("hostile/checksum/crc32c known values, instruction and table agree") {
  CHECK(crc32c_update(0, "123456789", 9) == 0xE3069283u);  // the standard check value
  CHECK(crc32c_update_portable(0, "123456789", 9) == 0xE3069283u);
  CHECK(crc32c_update(0, "", 0) == 0u);
  std::vector<uint8_t> buf(100003);
  std::mt19937 rng(5);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  const uint32_t whole = crc32c_update_portable(0, buf.data(), buf.size());
  CHECK(crc32c_update(0, buf.data(), buf.size()) == whole);
  // Continuation over unaligned pieces gives the checksum of the whole.
  uint32_t c = 0;
  size_t pos = 0;
  for (size_t piece : {size_t(1), size_t(7), size_t(13), size_t(4096), size_t(3)}) {
    c = crc32c_update(c, buf.data() + pos, piece);
    pos += piece;
  }
  c = crc32c_update(c, buf.data() + pos, buf.size() - pos);
  CHECK(c == whole);
}

TEST_CASE("hostile/checksum/a flipped data byte is refused naming the file") {
  const std::string dir = temp_dir("hostile_crc");
  const std::string path = dir + "/w.safetensors";
  write_safetensors(path, {{"a", Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2})},
                           {"b", Tensor::from_vector(std::vector<double>{5, 6}, {2})}},
                    {{"note", "x"}}, /*with_checksum=*/true);
  SafetensorsFile ok = SafetensorsFile::read(path);
  REQUIRE(ok.metadata().count(kChecksumKey));
  CHECK(ok.checksum_verified());
  CHECK(ok.metadata().at(kChecksumKey).size() == 8);
  const std::vector<uint8_t> good = read_bytes(path);
  const uint64_t base = data_start(good);
  // Every byte of the data section is covered: flip the first, a middle and the last one.
  for (uint64_t off : {base, base + 9, uint64_t(good.size() - 1)}) {
    CAPTURE(off);
    std::vector<uint8_t> bad = good;
    bad[off] ^= 0x10;
    write_bytes(path, bad);
    CHECK_ERROR(SafetensorsFile::read(path), path, "checksum mismatch", ok.metadata().at(kChecksumKey));
  }
  // A recorded value that is not 8 hex digits is refused too.
  std::vector<uint8_t> bad = good;
  const std::string text(good.begin(), good.begin() + static_cast<long>(base));
  const size_t at = text.find(ok.metadata().at(kChecksumKey));
  REQUIRE(at != std::string::npos);
  bad[at] = 'z';
  write_bytes(path, bad);
  CHECK_ERROR(SafetensorsFile::read(path), path, "dpt_crc32c", "8 hex digits");
}

TEST_CASE("hostile/checksum/files without a checksum load unverified; rewrites keep it valid") {
  const std::string dir = temp_dir("hostile_crc_plain");
  // Written by PyTorch's safetensors: no dpt_crc32c.
  SafetensorsFile ref = SafetensorsFile::read(test_data_dir() + "/golden/tiny_weights.safetensors");
  CHECK_FALSE(ref.checksum_verified());
  // Rewriting a checksummed file's metadata with other data recomputes the value (no stale checksum).
  const std::string a = dir + "/a.safetensors", b = dir + "/b.safetensors";
  write_safetensors(a, {{"t", Tensor::ones({3})}}, {}, true);
  write_safetensors(b, {{"t", Tensor::zeros({5})}}, SafetensorsFile::read(a).metadata());
  CHECK(SafetensorsFile::read(b).checksum_verified());
  CHECK(SafetensorsFile::read(b).metadata().at(kChecksumKey) != SafetensorsFile::read(a).metadata().at(kChecksumKey));
}

TEST_CASE("hostile/checksum/DPT checkpoints carry and verify it") {
  const std::string dir = temp_dir("hostile_ckpt");
  const std::string path = tiny_checkpoint(dir);
  CHECK(SafetensorsFile::read(path).checksum_verified());
  std::vector<uint8_t> bytes = read_bytes(path);
  bytes[bytes.size() / 2] ^= 0x01;  // inside the data section: the header is a few kB of a larger file
  REQUIRE(bytes.size() / 2 > data_start(bytes));
  write_bytes(path, bytes);
  CHECK_ERROR(load_model(path, false), path, "checksum mismatch");
}

TEST_CASE("hostile/nan/a NaN or Inf weight is refused naming the tensor") {
  const std::string dir = temp_dir("hostile_nan");
  const std::string path = tiny_checkpoint(dir);
  SafetensorsFile f = SafetensorsFile::read(path);
  const std::string victim = f.names()[f.names().size() / 2];
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    CAPTURE(bad);
    std::vector<std::pair<std::string, Tensor>> ts;
    for (const std::string& n : f.names()) {
      Tensor t = f.tensor(n);
      if (n == victim) t.data<float>()[t.numel() - 1] = bad;
      ts.emplace_back(n, t);
    }
    const std::string out = dir + "/bad.safetensors";
    write_safetensors(out, ts, f.metadata());  // a well-formed file (checksum recomputed) with a bad value
    CHECK_ERROR(load_model(out, false), out, "'" + victim + "'", "non-finite", "NaN or Inf");
  }
  CHECK_NOTHROW(load_model(path, false));
}

TEST_CASE("hostile/nan/dpt-infer reports a NaN weight instead of writing an image") {
  const std::string dir = temp_dir("hostile_nan_cli");
  const std::string path = tiny_checkpoint(dir);
  SafetensorsFile f = SafetensorsFile::read(path);
  std::vector<std::pair<std::string, Tensor>> ts;
  for (const std::string& n : f.names()) {
    Tensor t = f.tensor(n);
    if (n == f.names().front()) t.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
    ts.emplace_back(n, t);
  }
  write_safetensors(dir + "/nan.safetensors", ts, f.metadata());
  write_png(dir + "/src.png", random_image(32, 32, 3));
  Tensor iuv = Tensor::zeros({3, 32, 32});
  for (int i = 0; i < 32 * 32; ++i) iuv.data<float>()[i] = static_cast<float>(1 + i % 24);
  write_iuv(dir + "/iuv.png", iuv);
  const CommandResult r = run_command(tool_path("dpt-infer") + " --checkpoint " + dir + "/nan.safetensors --source " +
                                      dir + "/src.png --source-iuv " + dir + "/iuv.png --target-iuv " + dir +
                                      "/iuv.png --out " + dir + "/out.png");
  CHECK(r.code >= 1);
  CHECK(r.code <= 125);
  CHECK_MESSAGE(contains(r.err, "'" + f.names().front() + "'"), r.err);
  CHECK_MESSAGE(contains(r.err, "non-finite"), r.err);
  CHECK_FALSE(file_exists(dir + "/out.png"));
}
