// Plain file access for the readers and writers of io/: exact reads with bounds checks and atomic writes
// (temporary file in the same folder, fsync, rename), so a crash never leaves a half-written file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace dpt {

// A file opened for reading; every read is checked and errors name the file.
class InputFile {
 public:
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Reads exactly n bytes at offset; an Error if the file is shorter.
  void read_at(uint64_t offset, void* dst, uint64_t n) const;

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// The whole file; an Error (naming the file and the limit) if it is larger than max_bytes.
std::vector<uint8_t> read_file_bytes(const std::string& path, uint64_t max_bytes = uint64_t(1) << 30);

// Writes path atomically: bytes go to a temporary file next to it, which is fsync'ed and renamed over
// path by commit(). Without commit() (an exception) the temporary file is removed.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(const std::string& path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  void write(const void* data, uint64_t n);
  void commit();

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

// One-shot helper over AtomicFileWriter.
void write_file_atomic(const std::string& path, const void* data, uint64_t n);

bool file_exists(const std::string& path);
// mkdir -p: creates path and its missing parents (mode 0755); an Error naming the folder when a part
// exists and is not a folder or cannot be created. An existing folder is fine.
void make_dirs(const std::string& path);
// Lower-case extension with the dot (".png"), or "" when there is none.
std::string file_extension(const std::string& path);

}  // namespace dpt
