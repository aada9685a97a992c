// The page's files (tools/dpt-serve/web/*), embedded at build time by embed_web.cmake.
#pragma once
#include <cstddef>
#include <vector>

namespace dpt::serve {

struct WebAsset {
  const char* path;  // "/index.html"
  const char* type;  // Content-Type
  const unsigned char* data;
  size_t size;
};
const std::vector<WebAsset>& web_assets();

}  // namespace dpt::serve
