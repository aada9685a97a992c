// safetensors writer: header JSON padded with spaces to 8-byte alignment, then the raw data, written
// atomically (tmp file + fsync + rename) so an interrupted checkpoint never replaces a good one.
#include <cstdio>
#include <cstring>
#include <set>

#include "core/error.h"
#include "io/crc32c.h"
#include "io/file_io.h"
#include "io/json.h"
#include "io/safetensors.h"

namespace dpt {

namespace {

// One tensor to write: header fields plus a pointer to its little-endian bytes.
struct Blob {
  std::string name, dtype;
  Shape shape;
  const void* data;
  uint64_t nbytes;
};

void write_blobs(const std::string& path, const std::vector<Blob>& blobs,
                 std::map<std::string, std::string> metadata, bool with_checksum) {
  Json header = Json::object();
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const Blob& b : blobs) {
    DPT_CHECK(b.name != "__metadata__", path << ": a tensor cannot be named __metadata__");
    DPT_CHECK(seen.insert(b.name).second, path << ": tensor name '" << b.name << "' given twice");
    Json shape = Json::array();
    for (int64_t d : b.shape) shape.push_back(Json(d));
    Json offs = Json::array();
    offs.push_back(Json(static_cast<int64_t>(offset)));
    offs.push_back(Json(static_cast<int64_t>(offset + b.nbytes)));
    Json e = Json::object();
    e.set("dtype", Json(b.dtype));
    e.set("shape", std::move(shape));
    e.set("data_offsets", std::move(offs));
    header.set(b.name, std::move(e));
    offset += b.nbytes;
  }
  if (with_checksum || metadata.count(kChecksumKey)) {  // the data section is the blobs back to back
    uint32_t crc = 0;
    for (const Blob& b : blobs) crc = crc32c_update(crc, b.data, b.nbytes);
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08x", crc);
    metadata[kChecksumKey] = hex;
  }
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& kv : metadata) meta.set(kv.first, Json(kv.second));
    header.set("__metadata__", std::move(meta));
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data section starts 8-byte aligned
  uint8_t len8[8];
  for (int i = 0; i < 8; ++i) len8[i] = static_cast<uint8_t>(uint64_t(text.size()) >> (8 * i));

  AtomicFileWriter w(path);
  w.write(len8, 8);
  w.write(text.data(), text.size());
  for (const Blob& b : blobs)
    if (b.nbytes) w.write(b.data, b.nbytes);
  w.commit();
}

}  // namespace

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata, bool with_checksum) {
  std::vector<Tensor> host;  // keeps the contiguous host copies alive until written
  std::vector<Blob> blobs;
  host.reserve(tensors.size());
  for (const auto& nt : tensors) {
    DPT_CHECK(nt.second.defined(), path << ": tensor '" << nt.first << "' is undefined");
    Tensor t = nt.second.detach();
    if (!t.device().is_cpu()) t = t.to(Device::cpu());
    host.push_back(t.contiguous());
    const Tensor& c = host.back();
    blobs.push_back({nt.first, c.dtype() == DType::F32 ? "F32" : "F64", c.shape(), c.raw_data(),
                     static_cast<uint64_t>(c.numel()) * dtype_size(c.dtype())});
  }
  write_blobs(path, blobs, metadata, with_checksum);
}

void write_safetensors_raw(const std::string& path, const std::vector<std::pair<std::string, SafeTensor>>& entries,
                           const std::map<std::string, std::string>& metadata, bool with_checksum) {
  std::vector<Blob> blobs;
  for (const auto& ne : entries) {
    const SafeTensor& e = ne.second;
    const size_t esize = safetensors_dtype_size(e.dtype);
    DPT_CHECK(esize != 0, path << ": tensor '" << ne.first << "' has unknown dtype \"" << e.dtype << "\"");
    DPT_CHECK(static_cast<uint64_t>(shape_numel(e.shape)) * esize == e.bytes.size(),
              path << ": tensor '" << ne.first << "' " << e.dtype << shape_str(e.shape) << " needs "
                   << shape_numel(e.shape) * int64_t(esize) << " bytes, has " << e.bytes.size());
    blobs.push_back({ne.first, e.dtype, e.shape, e.bytes.data(), e.bytes.size()});
  }
  write_blobs(path, blobs, metadata, with_checksum);
}

}  // namespace dpt
