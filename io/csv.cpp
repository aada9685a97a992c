// CSV parsing for the dataset index files (see csv.h). A field is quoted when it starts with '"';
// inside quotes, "" is one quote and commas/newlines are literal.
#include "io/csv.h"

#include "core/error.h"
#include "io/file_io.h"

namespace dpt {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s;
}

}  // namespace

CsvTable parse_csv(const std::string& text, const std::string& name, const std::vector<std::string>& expected_header) {
  CsvTable table;
  size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // UTF-8 byte-order mark
  int line = 1;
  bool have_header = false;
  while (i < text.size()) {
    const int row_line = line;
    std::vector<std::string> fields(1);
    bool blank = true;
    for (;;) {  // one record
      if (i >= text.size()) break;
      char c = text[i];
      if (c == '\n' || c == '\r') {
        i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
        ++line;
        break;
      }
      blank = false;
      if (c == ',') {
        fields.emplace_back();
        ++i;
      } else if (c == '"' && fields.back().empty()) {
        const int quote_line = line;
        ++i;
        for (;;) {
          DPT_CHECK(i < text.size(), name << ":" << quote_line << ": unterminated quoted field");
          c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              fields.back() += '"';
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          fields.back() += c;
        }
        DPT_CHECK(i >= text.size() || text[i] == ',' || text[i] == '\n' || text[i] == '\r',
                  name << ":" << line << ": text after a closing quote");
      } else {
        DPT_CHECK(static_cast<unsigned char>(c) >= 0x20 || c == '\t',
                  name << ":" << line << ": control character (byte " << int(static_cast<unsigned char>(c))
                       << ") - is this a text CSV file?");
        fields.back() += c;
        ++i;
      }
    }
    if (blank) continue;
    if (!have_header) {
      table.header = fields;
      have_header = true;
      if (!expected_header.empty())
        DPT_CHECK(fields == expected_header, name << ":" << row_line << ": expected the header '"
                                                  << join(expected_header) << "', got '" << join(fields) << "'");
      continue;
    }
    DPT_CHECK(fields.size() == table.header.size(),
              name << ":" << row_line << ": " << fields.size() << " fields, the header has " << table.header.size());
    table.rows.push_back(std::move(fields));
    table.row_lines.push_back(row_line);
  }
  DPT_CHECK(have_header, name << ": empty CSV file (expected a header"
                              << (expected_header.empty() ? "" : " '" + join(expected_header) + "'") << ")");
  return table;
}

CsvTable read_csv(const std::string& path, const std::vector<std::string>& expected_header) {
  const std::vector<uint8_t> bytes = read_file_bytes(path, uint64_t(1) << 30);
  return parse_csv(std::string(bytes.begin(), bytes.end()), path, expected_header);
}

}  // namespace dpt
