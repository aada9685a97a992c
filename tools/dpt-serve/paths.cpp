// Request path checks (see paths.h).
#include "tools/dpt-serve/paths.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

namespace dpt::serve {

namespace {
std::string realpath_or_empty(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : std::string();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}
}  // namespace

std::string resolve_inside(const std::string& root, const std::string& rel) {
  if (rel.empty()) throw PathRefused("empty path");
  if (rel[0] == '/') throw PathRefused("absolute path refused: " + rel);
  if (rel.find('\0') != std::string::npos || rel.find('\\') != std::string::npos)
    throw PathRefused("path with a NUL or a backslash refused");
  // Decoded once by the HTTP layer; an encoded dot left over means double encoding: refuse it too.
  if (lower(rel).find("%2e") != std::string::npos) throw PathRefused("encoded '.' refused: " + rel);
  size_t start = 0;
  while (start <= rel.size()) {
    const size_t end = rel.find('/', start);
    const std::string part = rel.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part == "..") throw PathRefused("'..' refused: " + rel);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  const std::string real_root = realpath_or_empty(root);
  DPT_CHECK(!real_root.empty(), "the folder " << root << " no longer exists");
  const std::string real = realpath_or_empty(root + "/" + rel);
  DPT_CHECK(!real.empty(), "not found: " << rel);
  if (real != real_root && real.compare(0, real_root.size() + 1, real_root + "/") != 0)
    throw PathRefused("path leaves its folder (a symlink pointing out?): " + rel);
  return real;
}

std::string real_dir(const std::string& path, const std::string& flag) {
  const std::string real = realpath_or_empty(path);
  struct stat st {};
  DPT_CHECK(!real.empty() && ::stat(real.c_str(), &st) == 0 && S_ISDIR(st.st_mode),
            flag << ": " << path << " is not a folder");
  return real;
}

}  // namespace dpt::serve
