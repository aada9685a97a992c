// Every file of the malformed corpus (tests/data/io/malformed, made by make_malformed.py) fed to every
// reader: each must throw dpt::Error naming the file — never crash, hang, or succeed. Run it under ASan.
#include <doctest/doctest.h>

#include <functional>

#include "core/error.h"
#include "io/dataset.h"
#include "io/image.h"
#include "io/iuv.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "test_io_util.h"
#include "test_util.h"

using namespace dpt;

TEST_CASE("io/malformed/every reader refuses every malformed file") {
  const auto files = test::list_files(test::test_data_dir() + "/io/malformed");
  REQUIRE(files.size() >= 50);
  const std::vector<std::pair<const char*, std::function<void(const std::string&)>>> readers = {
      {"read_image", [](const std::string& p) { read_image(p); }},
      {"read_iuv bgr", [](const std::string& p) { read_iuv(p, IUVOrder::BGR); }},
      {"read_iuv rgb", [](const std::string& p) { read_iuv(p, IUVOrder::RGB); }},
      {"read_iuv auto", [](const std::string& p) { read_iuv(p, IUVOrder::Auto); }},
      {"safetensors", [](const std::string& p) { SafetensorsFile::read(p); }},
      {"json", [](const std::string& p) { read_json_file(p); }},
      {"pairs csv", [](const std::string& p) { read_pairs_csv(p); }},
      {"persons csv", [](const std::string& p) { read_persons_csv(p); }},
  };
  for (const std::string& path : files) {
    const std::string file = path.substr(path.find_last_of('/') + 1);
    for (const auto& r : readers) {
      CAPTURE(path);
      CAPTURE(r.first);
      std::string message;
      try {
        r.second(path);
        message = "<no error>";
      } catch (const dpt::Error& e) {
        message = e.what();
      }
      CAPTURE(message);
      CHECK(message != "<no error>");
      CHECK(message.find(file) != std::string::npos);
    }
    // The header-only reader may accept a file whose damage lies past the header, but must not crash.
    try {
      read_image_info(path);
    } catch (const dpt::Error&) {
    }
  }
}

TEST_CASE("io/malformed/messages say what is wrong") {
  const std::string dir = test::test_data_dir() + "/io/malformed/";
  auto message = [&](const std::function<void()>& f) {
    try {
      f();
    } catch (const dpt::Error& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  const std::vector<std::pair<std::string, std::string>> image_cases = {
      {"png_truncated_in_idat.png", "truncated"},
      {"png_truncated_no_iend.png", "truncated PNG"},
      {"png_bad_crc_ihdr.png", "CRC error"},
      {"png_huge_dimensions.png", "100000x100000 (HxW) is too large"},
      {"png_over_our_limit.png", "10x20000 (HxW) is too large"},
      {"png_text_file.png", "not a PNG file"},
      {"png_is_jpeg.png", "the content is JPEG but the extension says PNG"},
      {"jpeg_truncated_in_scan.jpg", "Premature end of JPEG file"},
      {"jpeg_huge_dimensions.jpg", "60000x60000 (HxW) is too large"},
      {"jpeg_cmyk.jpg", "CMYK"},
      {"png_tiny_file_huge_image.png", "a 69-byte file cannot hold a 16000x16000 (HxW) image"},
      {"jpeg_tiny_file_huge_image.jpg", "cannot hold a 16000x16000 (HxW) image"},
      {"jpeg_is_png.jpg", "the content is PNG but the extension says JPEG"},
  };
  for (const auto& c : image_cases) {
    CAPTURE(c.first);
    CHECK(message([&] { read_image(dir + c.first); }).find(c.second) != std::string::npos);
  }
  const std::vector<std::pair<std::string, std::string>> st_cases = {
      {"st_header_length_past_eof.safetensors", "exceeds"},
      {"st_header_length_2p63.safetensors", "exceeds"},
      {"st_bad_json.safetensors", "invalid JSON"},
      {"st_not_utf8_json.safetensors", "invalid UTF-8"},
      {"st_overlapping_offsets.safetensors", "overlap"},
      {"st_offsets_past_eof.safetensors", "past the end of the data section"},
      {"st_shape_mismatch.safetensors", "needs 12 bytes"},
      {"st_unknown_dtype.safetensors", "unknown dtype \"F8_E4M3\""},
      {"st_data_truncated.safetensors", "past the end"},
      {"st_shape_overflow.safetensors", "overflows"},
  };
  for (const auto& c : st_cases) {
    CAPTURE(c.first);
    CHECK(message([&] { SafetensorsFile::read(dir + c.first); }).find(c.second) != std::string::npos);
  }
  CHECK(message([&] { read_json_file(dir + "json_deep_nesting.json"); }).find("nesting deeper") != std::string::npos);
  CHECK(message([&] { read_pairs_csv(dir + "csv_wrong_header.csv"); }).find("expected the header 'from,to'") !=
        std::string::npos);
  CHECK(message([&] { read_pairs_csv(dir + "csv_empty_field.csv"); }).find("csv_empty_field.csv:2: empty name") !=
        std::string::npos);
}
