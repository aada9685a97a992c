// Helpers for the io/ tests: a private scratch folder and small file utilities.
// The scratch folder lives under /tmp and is unique per test process.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace dpt::test {

std::string io_scratch_dir();  // created on first use: /tmp/dpt_io_test.XXXXXX
void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes);
std::vector<uint8_t> read_bytes(const std::string& path);
// Files of a folder (sorted full paths), optionally only those whose names end with `suffix`.
std::vector<std::string> list_files(const std::string& dir, const std::string& suffix = "");

}  // namespace dpt::test
