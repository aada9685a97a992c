// safetensors reader: validates the header completely (length, JSON, entries, offsets, sizes) before it
// reads any tensor data, so a malformed or hostile file is an Error naming the file, never a bad read.
#include "io/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "io/crc32c.h"
#include "io/file_io.h"
#include "io/json.h"

namespace dpt {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian; so is this host");

namespace {

// The official implementation refuses headers above 100 MB; a real header is a few kB per 100 tensors.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct Range {
  uint64_t begin, end;
  const std::string* name;
};

// a * b, or false on uint64 overflow.
bool mul_ok(uint64_t a, uint64_t b, uint64_t* out) {
  if (a != 0 && b > UINT64_MAX / a) return false;
  *out = a * b;
  return true;
}

// One header entry -> dtype, shape, [begin, end); validated against the data section size.
SafeTensor parse_entry(const std::string& path, const std::string& name, const Json& h, uint64_t data_size,
                       Range* range) {
  const std::string where = path + ": tensor '" + name + "'";
  DPT_CHECK(h.is_object(), where << ": header entry must be an object, got " << h.type_name());
  const Json* dtype = h.find("dtype");
  const Json* shape = h.find("shape");
  const Json* offs = h.find("data_offsets");
  DPT_CHECK(dtype && shape && offs, where << ": header entry needs \"dtype\", \"shape\" and \"data_offsets\"");
  DPT_CHECK(dtype->is_string(), where << ": \"dtype\" must be a string");
  SafeTensor t;
  t.dtype = dtype->as_string();
  const size_t esize = safetensors_dtype_size(t.dtype);
  DPT_CHECK(esize != 0, where << ": unknown dtype \"" << t.dtype
                              << "\" (known: F64 F32 F16 BF16 I64 I32 I16 I8 U64 U32 U16 U8 BOOL)");
  DPT_CHECK(shape->is_array(), where << ": \"shape\" must be an array");
  uint64_t numel = 1;
  for (const Json& d : shape->as_array()) {
    DPT_CHECK(d.is_int() && d.as_int() >= 0,
              where << ": shape entries must be non-negative integers, got " << d.dump());
    DPT_CHECK(mul_ok(numel, static_cast<uint64_t>(d.as_int()), &numel),
              where << ": shape " << shape->dump() << " overflows");
    t.shape.push_back(d.as_int());
  }
  DPT_CHECK(offs->is_array() && offs->size() == 2 && offs->as_array()[0].is_int() && offs->as_array()[1].is_int(),
            where << ": \"data_offsets\" must be [begin, end] integers, got " << offs->dump());
  const int64_t b = offs->as_array()[0].as_int(), e = offs->as_array()[1].as_int();
  DPT_CHECK(b >= 0 && b <= e, where << ": data_offsets [" << b << ", " << e << "] are not an ordered range");
  DPT_CHECK(static_cast<uint64_t>(e) <= data_size, where << ": data_offsets [" << b << ", " << e
                                                         << "] run past the end of the data section (" << data_size
                                                         << " bytes)");
  uint64_t nbytes = 0;
  DPT_CHECK(mul_ok(numel, esize, &nbytes), where << ": shape " << shape->dump() << " overflows");
  DPT_CHECK(nbytes == static_cast<uint64_t>(e - b), where << ": shape " << shape_str(t.shape) << " of " << t.dtype
                                                          << " needs " << nbytes << " bytes but data_offsets [" << b
                                                          << ", " << e << "] hold " << (e - b));
  *range = {static_cast<uint64_t>(b), static_cast<uint64_t>(e), nullptr};
  return t;
}

// Overlapping byte ranges would alias two tensors; empty ranges overlap nothing.
void check_no_overlap(const std::string& path, std::vector<Range> ranges) {
  ranges.erase(std::remove_if(ranges.begin(), ranges.end(), [](const Range& r) { return r.begin == r.end; }),
               ranges.end());
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  for (size_t i = 1; i < ranges.size(); ++i)
    DPT_CHECK(ranges[i].begin >= ranges[i - 1].end, path << ": tensors '" << *ranges[i - 1].name << "' ["
                                                         << ranges[i - 1].begin << ", " << ranges[i - 1].end
                                                         << ") and '" << *ranges[i].name << "' [" << ranges[i].begin
                                                         << ", " << ranges[i].end << ") overlap in the data section");
  // Holes between tensors are tolerated (the data is still unambiguous), unlike the Rust reference.
}

template <class T>
void widen_to_f64(const std::vector<uint8_t>& bytes, double* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
    out[i] = static_cast<double>(v);
  }
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, man = h & 0x3FF;
  float mag;
  if (exp == 0)
    mag = std::ldexp(static_cast<float>(man), -24);  // zero / subnormal
  else if (exp == 31)
    mag = man ? NAN : INFINITY;
  else
    mag = std::ldexp(static_cast<float>(man | 0x400), static_cast<int>(exp) - 25);
  return sign ? -mag : mag;
}

// Note [checkpoint checksum] in the header: the CRC32C of the data section [0, data_size), from the
// tensors already read plus any bytes between or after them.
void verify_checksum(const InputFile& f, uint64_t base, uint64_t data_size, const std::string& recorded,
                     const std::map<std::string, SafeTensor>& tensors, std::vector<Range> ranges) {
  const std::string& path = f.path();
  char* end = nullptr;
  const unsigned long want = std::strtoul(recorded.c_str(), &end, 16);
  DPT_CHECK(recorded.size() == 8 && *end == '\0' && recorded.find_first_of("+- x") == std::string::npos,
            path << ": metadata \"" << kChecksumKey << "\" must be 8 hex digits, got \"" << recorded << "\"");
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  uint32_t crc = 0;
  uint64_t pos = 0;
  std::vector<uint8_t> gap;
  auto add_gap = [&](uint64_t to) {  // bytes no tensor owns (our writer leaves none)
    while (pos < to) {
      gap.resize(static_cast<size_t>(std::min<uint64_t>(to - pos, 1u << 20)));
      f.read_at(base + pos, gap.data(), gap.size());
      crc = crc32c_update(crc, gap.data(), gap.size());
      pos += gap.size();
    }
  };
  for (const Range& r : ranges) {
    if (r.begin == r.end) continue;
    add_gap(r.begin);
    const std::vector<uint8_t>& bytes = tensors.at(*r.name).bytes;
    crc = crc32c_update(crc, bytes.data(), bytes.size());
    pos = r.end;
  }
  add_gap(data_size);
  char got[16];
  std::snprintf(got, sizeof got, "%08x", crc);
  DPT_CHECK(crc == want, path << ": checksum mismatch: the tensor data has CRC32C " << got << " but the file records "
                              << recorded << " (the file is corrupt: a damaged copy, a disk error or an edit)");
}

}  // namespace

size_t safetensors_dtype_size(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL") return 1;
  return 0;
}

SafetensorsFile SafetensorsFile::read(const std::string& path) {
  InputFile f(path);
  DPT_CHECK(f.size() >= 8,
            path << ": not a safetensors file (" << f.size() << " bytes, too short for the 8-byte header length)");
  uint8_t len8[8];
  f.read_at(0, len8, 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len8[i];
  DPT_CHECK(n <= f.size() - 8, path << ": not a safetensors file or truncated: header length " << n << " exceeds the "
                                    << (f.size() - 8) << " bytes after it");
  DPT_CHECK(n <= kMaxHeaderBytes, path << ": header length " << n << " is absurd (limit 100 MB)");
  std::string text(n, '\0');
  f.read_at(8, text.data(), n);
  Json header = parse_json(text, path + " (safetensors header)");
  DPT_CHECK(header.is_object(), path << ": safetensors header must be a JSON object, got " << header.type_name());

  SafetensorsFile out;
  out.path_ = path;
  const uint64_t base = 8 + n, data_size = f.size() - base;
  std::vector<Range> ranges;
  for (const auto& kv : header.as_object()) {
    if (kv.first == "__metadata__") {
      if (kv.second.is_null()) continue;
      DPT_CHECK(kv.second.is_object(), path << ": __metadata__ must be an object of strings");
      for (const auto& m : kv.second.as_object()) {
        DPT_CHECK(m.second.is_string(),
                  path << ": __metadata__ value of '" << m.first << "' must be a string, got " << m.second.dump());
        out.metadata_[m.first] = m.second.as_string();
      }
      continue;
    }
    Range r{};
    SafeTensor t = parse_entry(path, kv.first, kv.second, data_size, &r);
    out.names_.push_back(kv.first);
    auto it = out.tensors_.emplace(kv.first, std::move(t)).first;
    r.name = &it->first;
    ranges.push_back(r);
  }
  check_no_overlap(path, ranges);

  // Only now, with every range checked, touch the data.
  for (const Range& r : ranges) {
    SafeTensor& t = out.tensors_.at(*r.name);
    t.bytes.resize(r.end - r.begin);
    if (!t.bytes.empty()) f.read_at(base + r.begin, t.bytes.data(), t.bytes.size());
  }
  auto sum = out.metadata_.find(kChecksumKey);
  if (sum != out.metadata_.end()) verify_checksum(f, base, data_size, sum->second, out.tensors_, ranges);
  return out;
}

const SafeTensor& SafetensorsFile::entry(const std::string& name) const {
  auto it = tensors_.find(name);
  DPT_CHECK(it != tensors_.end(),
            path_ << ": no tensor named '" << name << "' (the file holds " << names_.size() << " tensors)");
  return it->second;
}

Tensor SafetensorsFile::finite_tensor(const std::string& name) const {
  Tensor t = tensor(name);
  int64_t bad = 0, first = -1;
  auto scan = [&](const auto* p) {
    for (int64_t i = 0, n = t.numel(); i < n; ++i)
      if (!std::isfinite(p[i]) && bad++ == 0) first = i;
  };
  if (t.dtype() == DType::F32) scan(t.data<float>());
  else scan(t.data<double>());
  DPT_CHECK(bad == 0, path_ << ": tensor '" << name << "' " << shape_str(t.shape()) << " holds " << bad
                            << " non-finite value" << (bad > 1 ? "s" : "") << " (NaN or Inf), the first at flat index "
                            << first << ": the weights are unusable");
  return t;
}

Tensor SafeTensor::to_tensor() const {
  const size_t esize = safetensors_dtype_size(dtype);
  DPT_CHECK(esize != 0, "safetensors: unknown dtype \"" << dtype << "\"");
  const int64_t n = shape_numel(shape);
  DPT_CHECK(static_cast<uint64_t>(n) * esize == bytes.size(), "safetensors: " << dtype << shape_str(shape) << " needs "
                                                                              << n * esize << " bytes, entry has "
                                                                              << bytes.size());
  if (dtype == "F32" || dtype == "F64") {
    Tensor t = Tensor::empty(shape, dtype == "F32" ? DType::F32 : DType::F64);
    if (n) std::memcpy(t.raw_data(), bytes.data(), bytes.size());
    return t;
  }
  if (dtype == "F16" || dtype == "BF16") {  // both widen exactly to float32
    Tensor t = Tensor::empty(shape, DType::F32);
    float* o = t.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, bytes.data() + 2 * i, 2);
      if (dtype == "BF16") {
        uint32_t w = uint32_t(h) << 16;
        std::memcpy(&o[i], &w, 4);
      } else {
        o[i] = half_to_float(h);
      }
    }
    return t;
  }
  Tensor t = Tensor::empty(shape, DType::F64);
  double* o = t.data<double>();
  if (dtype == "I64")
    widen_to_f64<int64_t>(bytes, o, n);
  else if (dtype == "I32")
    widen_to_f64<int32_t>(bytes, o, n);
  else if (dtype == "I16")
    widen_to_f64<int16_t>(bytes, o, n);
  else if (dtype == "I8")
    widen_to_f64<int8_t>(bytes, o, n);
  else if (dtype == "U64")
    widen_to_f64<uint64_t>(bytes, o, n);
  else if (dtype == "U32")
    widen_to_f64<uint32_t>(bytes, o, n);
  else if (dtype == "U16")
    widen_to_f64<uint16_t>(bytes, o, n);
  else if (dtype == "U8")
    widen_to_f64<uint8_t>(bytes, o, n);
  else  // BOOL: any non-zero byte is true
    for (int64_t i = 0; i < n; ++i) o[i] = bytes[i] ? 1.0 : 0.0;
  return t;
}

}  // namespace dpt
