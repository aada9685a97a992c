// Plain file access for io/: checked reads (pread) and atomic writes (tmp file + fsync + rename).
// POSIX calls rather than iostreams, because only they can fsync and report errno precisely.
#include "io/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace dpt {

InputFile::InputFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  DPT_CHECK(fd_ >= 0, path << ": cannot open for reading: " << std::strerror(errno));
  struct stat st;
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    DPT_FAIL(path << ": not a regular file" << (err ? std::string(" (") + std::strerror(err) + ")" : ""));
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

void InputFile::read_at(uint64_t offset, void* dst, uint64_t n) const {
  DPT_CHECK(offset <= size_ && n <= size_ - offset, path_ << ": unexpected end of file (wanted " << n
                                                          << " bytes at offset " << offset << ", file has " << size_
                                                          << ")");
  auto* p = static_cast<uint8_t*>(dst);
  while (n > 0) {
    ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    DPT_CHECK(got >= 0, path_ << ": read error at offset " << offset << ": " << std::strerror(errno));
    DPT_CHECK(got > 0, path_ << ": unexpected end of file at offset " << offset << " (file shrank?)");
    p += got;
    offset += static_cast<uint64_t>(got);
    n -= static_cast<uint64_t>(got);
  }
}

std::vector<uint8_t> read_file_bytes(const std::string& path, uint64_t max_bytes) {
  InputFile f(path);
  DPT_CHECK(f.size() <= max_bytes, path << ": file is " << f.size() << " bytes, more than the limit of " << max_bytes);
  std::vector<uint8_t> bytes(f.size());
  if (!bytes.empty()) f.read_at(0, bytes.data(), bytes.size());
  return bytes;
}

static std::string dir_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

AtomicFileWriter::AtomicFileWriter(const std::string& path) : path_(path) {
  // Unique per process and per writer, so concurrent writers of the same file do not collide.
  static std::atomic<unsigned> counter{0};
  tmp_ = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  DPT_CHECK(fd_ >= 0, path << ": cannot create the temporary file " << tmp_ << ": " << std::strerror(errno));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFileWriter::write(const void* data, uint64_t n) {
  DPT_CHECK(fd_ >= 0 && !committed_, path_ << ": write after commit");
  const auto* p = static_cast<const uint8_t*>(data);
  while (n > 0) {
    ssize_t put = ::write(fd_, p, n);
    if (put < 0 && errno == EINTR) continue;
    DPT_CHECK(put > 0, path_ << ": write failed: " << std::strerror(errno));
    p += put;
    n -= static_cast<uint64_t>(put);
  }
}

void AtomicFileWriter::commit() {
  DPT_CHECK(fd_ >= 0 && !committed_, path_ << ": commit twice");
  DPT_CHECK(::fsync(fd_) == 0, path_ << ": fsync failed: " << std::strerror(errno));
  int rc = ::close(fd_);
  fd_ = -1;
  DPT_CHECK(rc == 0, path_ << ": close failed: " << std::strerror(errno));
  DPT_CHECK(::rename(tmp_.c_str(), path_.c_str()) == 0,
            path_ << ": cannot rename " << tmp_ << " over it: " << std::strerror(errno));
  committed_ = true;
  // Persist the rename itself; best effort (some file systems refuse fsync on a directory).
  int dfd = ::open(dir_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomic(const std::string& path, const void* data, uint64_t n) {
  AtomicFileWriter w(path);
  w.write(data, n);
  w.commit();
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void make_dirs(const std::string& path) {
  DPT_CHECK(!path.empty(), "cannot create a folder with an empty name");
  std::string cur;
  for (size_t i = 0; i <= path.size(); ++i) {
    if ((i == path.size() || path[i] == '/') && !cur.empty() && cur != "." && cur != "/") {
      struct stat st;
      if (::stat(cur.c_str(), &st) == 0) {
        DPT_CHECK(S_ISDIR(st.st_mode), cur << " exists and is not a folder (creating " << path << ")");
      } else {
        DPT_CHECK(::mkdir(cur.c_str(), 0755) == 0 || errno == EEXIST,
                  "cannot create folder " << cur << ": " << std::strerror(errno));
      }
    }
    if (i < path.size()) cur += path[i];
  }
}

std::string file_extension(const std::string& path) {
  size_t slash = path.find_last_of('/');
  size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot);
  for (char& c : ext)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return ext;
}

}  // namespace dpt
