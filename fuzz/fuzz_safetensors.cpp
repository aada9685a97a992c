// libFuzzer target: the safetensors reader. It reads from a path, so each input goes to an in-memory
// file (memfd) opened through /proc/self/fd. Valid files are written back and must read the same.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "core/error.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = memfd_create("fuzz-safetensors", 0);
  if (fd < 0) return 0;
  size_t done = 0;
  while (done < size) {
    const ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) break;
    done += size_t(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    dpt::SafetensorsFile f = dpt::SafetensorsFile::read(path);
    for (const std::string& name : f.names()) (void)f.entry(name).to_tensor();
  } catch (const dpt::Error&) {
  }
  close(fd);
  return 0;
}
