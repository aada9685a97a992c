// A small CSV reader (RFC 4180: commas, double-quoted fields, CRLF or LF, optional UTF-8 BOM) for the
// dataset index files. Errors name the file and line.
#pragma once
#include <string>
#include <vector>

namespace dpt {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> row_lines;  // 1-based line of each row, for messages
};

// Parses the whole file. Blank lines are skipped; control characters (NUL etc.) are refused. Every row
// must have as many fields as the header; when `expected_header` is given the header must equal it.
CsvTable read_csv(const std::string& path, const std::vector<std::string>& expected_header = {});
CsvTable parse_csv(const std::string& text, const std::string& name,
                   const std::vector<std::string>& expected_header = {});

}  // namespace dpt
