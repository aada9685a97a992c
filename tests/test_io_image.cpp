// Tests of io/image: PNG/JPEG round trips, format detection, size limits and the tensor conversions.
// Files are written to a scratch folder; unusual PNG layouts come from tests/data/io/valid.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/error.h"
#include "io/image.h"
#include "test_io_util.h"
#include "test_util.h"

using namespace dpt;

namespace {

Image8 pattern(int h, int w, int c) {
  Image8 img;
  img.height = h;
  img.width = w;
  img.channels = c;
  img.pixels.resize(size_t(h) * w * c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) img.pixels[(size_t(y) * w + x) * c + k] = uint8_t((y * 7 + x * 3 + k * 80) & 255);
  return img;
}

std::string tmp(const std::string& name) { return test::scratch_dir() + "/" + name; }

std::string error_of(const std::string& path) {
  try {
    read_image(path);
  } catch (const dpt::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("io/image/png round trip is exact for gray, RGB and RGBA") {
  Image8 rgb = pattern(13, 17, 3);
  write_png(tmp("rgb.png"), rgb);
  Image8 back = read_image(tmp("rgb.png"));
  CHECK(back.height == 13);
  CHECK(back.width == 17);
  CHECK(back.channels == 3);
  CHECK(back.pixels == rgb.pixels);

  Image8 gray = pattern(5, 4, 1);
  write_png(tmp("gray.png"), gray);
  back = read_image(tmp("gray.png"));
  REQUIRE(back.channels == 3);
  for (size_t i = 0; i < gray.pixels.size(); ++i)
    for (int k = 0; k < 3; ++k) CHECK(back.pixels[i * 3 + k] == gray.pixels[i]);

  Image8 rgba = pattern(6, 3, 4);
  write_png(tmp("rgba.png"), rgba);
  back = read_image(tmp("rgba.png"));
  REQUIRE(back.channels == 3);
  for (size_t i = 0; i < 18; ++i)  // alpha dropped, colour bytes untouched
    for (int k = 0; k < 3; ++k) CHECK(back.pixels[i * 3 + k] == rgba.pixels[i * 4 + k]);

  ImageInfo info = read_image_info(tmp("rgb.png"));
  CHECK(info.format == ImageFormat::PNG);
  CHECK(info.height == 13);
  CHECK(info.width == 17);
}

TEST_CASE("io/image/jpeg round trip is close") {
  Image8 img;
  img.height = 32;
  img.width = 24;
  img.channels = 3;
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 24; ++x) {
      img.pixels.push_back(uint8_t(x * 10));
      img.pixels.push_back(uint8_t(y * 8));
      img.pixels.push_back(uint8_t(128));
    }
  write_jpeg(tmp("a.jpg"), img, 95);
  Image8 back = read_image(tmp("a.jpg"));
  REQUIRE(back.height == 32);
  REQUIRE(back.width == 24);
  REQUIRE(back.channels == 3);
  int worst = 0;
  for (size_t i = 0; i < img.pixels.size(); ++i)
    worst = std::max(worst, std::abs(int(back.pixels[i]) - int(img.pixels[i])));
  CHECK(worst <= 8);
  ImageInfo info = read_image_info(tmp("a.jpg"));
  CHECK(info.format == ImageFormat::JPEG);
  CHECK(info.height == 32);
  CHECK(info.width == 24);
  write_image(tmp("b.jpeg"), pattern(8, 8, 1));  // gray JPEG reads back as RGB
  CHECK(read_image(tmp("b.jpeg")).channels == 3);
  CHECK_THROWS_WITH_AS(write_jpeg(tmp("c.jpg"), img, 0), doctest::Contains("quality must be in 1..100"), dpt::Error);
  CHECK_THROWS_WITH_AS(write_jpeg(tmp("c.jpg"), pattern(4, 4, 4)), doctest::Contains("1 or 3 channels"), dpt::Error);
  CHECK_THROWS_WITH_AS(write_image(tmp("c.bmp"), img), doctest::Contains("c.bmp: cannot tell the image format"),
                       dpt::Error);
}

TEST_CASE("io/image/format comes from the content and must match the extension") {
  write_png(tmp("p.png"), pattern(4, 4, 3));
  write_jpeg(tmp("j.jpg"), pattern(4, 4, 3));
  test::write_bytes(tmp("png_named.jpg"), test::read_bytes(tmp("p.png")));
  test::write_bytes(tmp("jpeg_named.png"), test::read_bytes(tmp("j.jpg")));
  test::write_bytes(tmp("png_no_ext"), test::read_bytes(tmp("p.png")));
  test::write_bytes(tmp("text.png"), {'h', 'e', 'l', 'l', 'o', '\n'});
  test::write_bytes(tmp("empty.png"), {});
  CHECK(error_of(tmp("png_named.jpg")).find("png_named.jpg: the content is PNG but the extension says JPEG") !=
        std::string::npos);
  CHECK(error_of(tmp("jpeg_named.png")).find("jpeg_named.png: the content is JPEG but the extension says PNG") !=
        std::string::npos);
  CHECK(read_image(tmp("png_no_ext")).width == 4);
  CHECK(error_of(tmp("text.png")).find("text.png: not a PNG file: it starts with \"hello\\x0a\"") != std::string::npos);
  CHECK(error_of(tmp("empty.png")).find("the file is empty") != std::string::npos);
  CHECK(error_of(tmp("missing.png")).find("missing.png: cannot open") != std::string::npos);
  CHECK(error_of(test::scratch_dir()).find("not a regular file") != std::string::npos);
}

TEST_CASE("io/image/truncated files are errors") {
  Image8 img = pattern(40, 30, 3);
  write_png(tmp("t.png"), img);
  write_jpeg(tmp("t.jpg"), img);
  for (const char* name : {"t.png", "t.jpg"}) {
    auto bytes = test::read_bytes(tmp(name));
    for (size_t keep : {bytes.size() - 1, bytes.size() - 12, bytes.size() / 2, size_t(30), size_t(9)}) {
      CAPTURE(name);
      CAPTURE(keep);
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + keep);
      const std::string path = tmp(std::string("cut_") + name);
      test::write_bytes(path, cut);
      std::string err = error_of(path);
      CHECK(err.find(path) != std::string::npos);
      CHECK(err != "no error");
    }
  }
}

TEST_CASE("io/image/tensor conversions") {
  Image8 all;  // every byte value in every channel
  all.height = 1;
  all.width = 256;
  all.channels = 3;
  for (int x = 0; x < 256; ++x)
    for (int k = 0; k < 3; ++k) all.pixels.push_back(uint8_t((x + 85 * k) & 255));
  Tensor t = image_to_tensor(all);
  CHECK(t.shape() == Shape{3, 1, 256});
  CHECK(t.dtype() == DType::F32);
  const float* p = t.data<float>();
  for (int x = 0; x < 256; ++x)
    for (int k = 0; k < 3; ++k) CHECK(p[k * 256 + x] == float(((x + 85 * k) & 255) / 127.5 - 1.0));
  CHECK(tensor_to_image(t).pixels == all.pixels);
  CHECK(tensor_to_image(t.to(DType::F64).unsqueeze(0)).pixels == all.pixels);  // [1,3,H,W], float64

  Tensor y = Tensor::from_vector(std::vector<float>{-2.f, 2.f, 0.f, -1.f, 1.f, 0.5f}, {3, 1, 2});
  Image8 img = tensor_to_image(y);
  // Pixel-major bytes: (R, G, B) of pixel 0, then pixel 1; 0 -> 127.5 -> 128 (ties to even), 0.5 -> 191.25.
  CHECK(img.pixels == std::vector<uint8_t>{0, 128, 255, 255, 0, 191});
  Tensor nan = Tensor::full({3, 2, 2}, NAN);
  CHECK_THROWS_WITH_AS(tensor_to_image(nan), doctest::Contains("NaN at channel 0, pixel (0, 0)"), dpt::Error);
  CHECK_THROWS_WITH_AS(tensor_to_image(Tensor::zeros({4, 2, 2})), doctest::Contains("needs [3, H, W]"), dpt::Error);
  CHECK_ERROR(image_to_tensor(pattern(2, 2, 1)), "image_to_tensor", "3 channels), got 1");
}

TEST_CASE("io/image/absurd sizes are refused") {
  CHECK_THROWS_WITH_AS(check_image_size("big.png", 20000, 10),
                       doctest::Contains("big.png: image size 20000x10 (HxW) is too large"), dpt::Error);
  CHECK_THROWS_WITH_AS(check_image_size("z.png", 0, 10), doctest::Contains("is empty"), dpt::Error);
  CHECK_NOTHROW(check_image_size("ok.png", 16384, 16384));
  CHECK_ERROR(write_png(tmp("w.png"), pattern(0, 4, 3)), "w.png", "image size 0x4 (HxW) is empty");
  Image8 bad = pattern(4, 4, 3);
  bad.pixels.pop_back();
  CHECK_THROWS_WITH_AS(write_png(tmp("w.png"), bad), doctest::Contains("expected 4x4x3"), dpt::Error);
}

TEST_CASE("io/image/unusual PNG layouts decode to 8-bit RGB") {
  // Files and their pixel formulas: tests/data/io/make_malformed.py (make_valid).
  const std::string dir = test::test_data_dir() + "/io/valid/";
  auto px = [](const Image8& img, int y, int x, int k) { return int(img.pixels[(size_t(y) * img.width + x) * 3 + k]); };

  Image8 g16 = read_image(dir + "gray16_3x4.png");
  REQUIRE((g16.height == 3 && g16.width == 4 && g16.channels == 3));
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x)
      for (int k = 0; k < 3; ++k)
        CHECK(px(g16, y, x, k) == int(std::lround(((y * 4 + x) * 5000 + 123) * 255.0 / 65535.0)));

  Image8 r16 = read_image(dir + "rgba16_2x2.png");
  REQUIRE((r16.height == 2 && r16.width == 2));
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x)
      for (int k = 0; k < 3; ++k)
        CHECK(px(r16, y, x, k) == int(std::lround((1000 * (y * 2 + x) + 9000 * k + 7) * 255.0 / 65535.0)));

  Image8 pal = read_image(dir + "palette_trns_2x4.png");
  REQUIRE((pal.height == 2 && pal.width == 4));
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 4; ++x) {
      const int i = (x + y) % 4;
      CHECK(px(pal, y, x, 0) == 10 * i);
      CHECK(px(pal, y, x, 1) == 20 * i + 1);
      CHECK(px(pal, y, x, 2) == 30 * i + 2);
    }

  Image8 g1 = read_image(dir + "gray1_3x9.png");
  REQUIRE((g1.height == 3 && g1.width == 9));
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 9; ++x) CHECK(px(g1, y, x, 1) == ((x + y) & 1 ? 255 : 0));

  Image8 ga = read_image(dir + "gray_alpha_2x3.png");
  REQUIRE((ga.height == 2 && ga.width == 3));
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) CHECK(px(ga, y, x, 2) == 40 * y + 7 * x);

  for (const char* name : {"interlaced_7x9.png", "ancillary_bad_crc_3x3.png"}) {
    CAPTURE(name);
    Image8 img = read_image(dir + name);
    for (int y = 0; y < img.height; ++y)
      for (int x = 0; x < img.width; ++x) {
        CHECK(px(img, y, x, 0) == ((x * 20) & 255));
        CHECK(px(img, y, x, 1) == ((y * 30) & 255));
        CHECK(px(img, y, x, 2) == ((x * y) & 255));
      }
  }
  CHECK(read_image(dir + "interlaced_7x9.png").height == 7);

  // The same 16x16 picture, baseline and progressive: both decode, and agree closely.
  Image8 base = read_image(dir + "baseline_16x16.jpg"), prog = read_image(dir + "progressive_16x16.jpg");
  REQUIRE(base.pixels.size() == prog.pixels.size());
  int worst = 0;
  for (size_t i = 0; i < base.pixels.size(); ++i)
    worst = std::max(worst, std::abs(int(base.pixels[i]) - int(prog.pixels[i])));
  CHECK(worst <= 16);
}
