// safetensors read/write (https://huggingface.co/docs/safetensors format): u64 little-endian header
// length, JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, raw data.
// The reader validates everything before touching data: a malformed file is an Error naming the file.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace dpt {

// One stored tensor, as raw little-endian bytes of its dtype ("F32", "F64", "I64", "U8", ...).
struct SafeTensor {
  std::string dtype;
  Shape shape;
  std::vector<uint8_t> bytes;
  // F32 -> float32 tensor, F64 -> float64; integer/bool dtypes -> float64 (exact below 2^53).
  Tensor to_tensor() const;
};

// Note [checkpoint checksum]
// A file written with_checksum carries metadata "dpt_crc32c": the CRC32C (io/crc32c.h) of its whole data
// section (the bytes after the header), as 8 lowercase hex digits. read() verifies it when present and
// refuses a mismatch naming the file, so a corrupt checkpoint is never loaded; files without the field
// (PyTorch's writer, golden files) are read unverified.
constexpr const char* kChecksumKey = "dpt_crc32c";

class SafetensorsFile {
 public:
  static SafetensorsFile read(const std::string& path);
  // Whether the file carried a checksum (then it was verified by read()).
  bool checksum_verified() const { return metadata_.count(kChecksumKey) != 0; }
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  const SafeTensor& entry(const std::string& name) const;  // Error naming file and tensor if absent
  Tensor tensor(const std::string& name) const { return entry(name).to_tensor(); }
  // tensor(name), refusing NaN or Inf values with an Error naming the file, the tensor, how many values
  // and the first index: weights to load (a checkpoint given to dpt-infer must not become a NaN image).
  Tensor finite_tensor(const std::string& name) const;
  const std::vector<std::string>& names() const { return names_; }  // in file order
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> names_;
  std::map<std::string, SafeTensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Writes float tensors (stored with their own dtype, F32 or F64) atomically: a temporary file in the
// same folder, fsync, rename. Names keep the given order. with_checksum (or a "dpt_crc32c" key in
// metadata, whose value is then recomputed) adds the checksum of Note [checkpoint checksum].
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {}, bool with_checksum = false);

// ---- additions (io/safetensors_write.cpp, io/safetensors.cpp) ----
// Writes raw entries of any known dtype (e.g. U8 image bytes), atomically, in the given order. Each
// entry's byte count must match its shape and dtype.
void write_safetensors_raw(const std::string& path, const std::vector<std::pair<std::string, SafeTensor>>& entries,
                           const std::map<std::string, std::string>& metadata = {}, bool with_checksum = false);
// Bytes per element of a safetensors dtype code ("F32" -> 4), 0 for an unknown code.
size_t safetensors_dtype_size(const std::string& dtype);

}  // namespace dpt
