// Helpers for the io/ tests: small file utilities (the scratch folder is test::scratch_dir() of
// tests/test_util.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace dpt::test {

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes);
std::vector<uint8_t> read_bytes(const std::string& path);
// Files of a folder (sorted full paths), optionally only those whose names end with `suffix`.
std::vector<std::string> list_files(const std::string& dir, const std::string& suffix = "");

}  // namespace dpt::test
