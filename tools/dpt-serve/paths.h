// Request paths that cannot leave a root folder: a path in a request is relative, has no ".." component
// (also not percent-encoded), and its real path (symlinks resolved) lies inside the root's real path.
#pragma once
#include <string>

#include "core/error.h"

namespace dpt::serve {

// A request path refused because it would leave its root (HTTP 403); other failures are dpt::Error (404).
struct PathRefused : Error {
  using Error::Error;
};

// The real path of root/rel. PathRefused for "", an absolute path, a ".." or "%2e" anywhere, a backslash,
// a NUL, or a resolved path outside realpath(root); Error when the file does not exist.
std::string resolve_inside(const std::string& root, const std::string& rel);

// The real path of a folder given on the command line (an Error naming `flag` when it is not a folder).
std::string real_dir(const std::string& path, const std::string& flag);

}  // namespace dpt::serve
