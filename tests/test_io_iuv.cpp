// Golden tests of the PNG / IUV path against png_cases.safetensors (../shared/golden/README.md, "png/"):
// pixel bytes, x = byte/127.5 - 1, decoded (I, U, V) — all exact — and the channel-order rules.
#include <doctest/doctest.h>

#include "core/error.h"
#include "io/image.h"
#include "io/iuv.h"
#include "io/safetensors.h"
#include "test_io_util.h"
#include "test_util.h"

using namespace dpt;

namespace {

std::string png_dir() { return test::test_data_dir() + "/golden/png/"; }

const SafetensorsFile& cases() {
  static SafetensorsFile f = SafetensorsFile::read(test::test_data_dir() + "/golden/png_cases.safetensors");
  return f;
}

// The U8 [H, W, 3] bytes stored for a case.
const std::vector<uint8_t>& u8(const std::string& name) { return cases().entry(name).bytes; }

Tensor batch1(const Tensor& t) { return t.unsqueeze(0); }

}  // namespace

TEST_CASE("golden/io/png_cases: image and IUV bytes, x and iuv are exact") {
  for (int k = 0; k < 3; ++k) {
    const std::string c = "case" + std::to_string(k) + ".";
    CAPTURE(k);
    Image8 img = read_image(png_dir() + "img_" + std::to_string(k) + ".png");
    Image8 iuv_img = read_image(png_dir() + "iuv_" + std::to_string(k) + ".png");
    const Shape& s = cases().entry(c + "img_rgb_u8").shape;
    CHECK(img.height == s[0]);
    CHECK(img.width == s[1]);
    CHECK(img.channels == 3);
    CHECK(img.pixels == u8(c + "img_rgb_u8"));
    CHECK(iuv_img.pixels == u8(c + "iuv_rgb_u8"));
    test::expect_golden(batch1(image_to_tensor(img)), cases().tensor(c + "x"), 0.0, c + "x");
    Tensor iuv = read_iuv(png_dir() + "iuv_" + std::to_string(k) + ".png");  // default order: bgr
    test::expect_golden(batch1(iuv), cases().tensor(c + "iuv"), 0.0, c + "iuv");
    Tensor iuv_auto = read_iuv(png_dir() + "iuv_" + std::to_string(k) + ".png", IUVOrder::Auto);
    test::expect_golden(batch1(iuv_auto), cases().tensor(c + "iuv"), 0.0, c + "iuv (auto)");
    CHECK(resolve_iuv_order(iuv_img, IUVOrder::Auto, "iuv") == IUVOrder::BGR);
    // Back to bytes: the PNG the reference wrote, and the image through the tensor round trip.
    CHECK(iuv_to_image(iuv, IUVOrder::BGR, "iuv").pixels == iuv_img.pixels);
    CHECK(tensor_to_image(image_to_tensor(img)).pixels == img.pixels);
  }
}

TEST_CASE("golden/io/iuv_3_rgb_order: auto picks rgb") {
  const std::string path = png_dir() + "iuv_3_rgb_order.png";
  CHECK(read_image(path).pixels == u8("case3.iuv_rgb_u8"));
  CHECK(resolve_iuv_order(read_image(path), IUVOrder::Auto, path) == IUVOrder::RGB);
  Tensor iuv = read_iuv(path, IUVOrder::Auto);
  test::expect_golden(batch1(iuv), cases().tensor("case3.iuv"), 0.0, "case3.iuv (auto)");
  test::expect_golden(batch1(read_iuv(path, IUVOrder::RGB)), cases().tensor("case3.iuv"), 0.0, "case3.iuv (rgb)");
  test::expect_golden(batch1(iuv), cases().tensor("case0.iuv"), 0.0, "case3 == case0");
  // Read in the wrong order, V bytes land in I and exceed 24.
  CHECK_THROWS_WITH_AS(read_iuv(path, IUVOrder::BGR),
                       doctest::Contains("not a DensePose IUV map (or wrong channel order)"), dpt::Error);
  CHECK(iuv_to_image(iuv, IUVOrder::RGB, "x").pixels == u8("case3.iuv_rgb_u8"));
}

TEST_CASE("golden/io/iuv_4_ambiguous: auto refuses, bgr decodes") {
  const std::string path = png_dir() + "iuv_4_ambiguous.png";
  CHECK(read_image(path).pixels == u8("case4.iuv_rgb_u8"));
  CHECK_THROWS_WITH_AS(read_iuv(path, IUVOrder::Auto),
                       doctest::Contains("iuv_4_ambiguous.png: IUV channel order is ambiguous"), dpt::Error);
  test::expect_golden(batch1(read_iuv(path, IUVOrder::BGR)), cases().tensor("case4.iuv_bgr"), 0.0, "case4.iuv_bgr");
}

TEST_CASE("golden/io/images are rejected as IUV maps") {
  for (int k = 0; k < 3; ++k) {
    const std::string path = png_dir() + "img_" + std::to_string(k) + ".png";
    CAPTURE(path);
    CHECK_THROWS_WITH_AS(read_iuv(path, IUVOrder::BGR), doctest::Contains(path.c_str()), dpt::Error);
    CHECK_THROWS_WITH_AS(read_iuv(path, IUVOrder::RGB), doctest::Contains("not a DensePose IUV map"), dpt::Error);
    CHECK_ERROR(read_iuv(path, IUVOrder::Auto), path, "neither R nor B holds only values <= 24");
  }
}

TEST_CASE("io/iuv/orders, write round trip and size check") {
  CHECK(parse_iuv_order("bgr") == IUVOrder::BGR);
  CHECK(parse_iuv_order("rgb") == IUVOrder::RGB);
  CHECK(parse_iuv_order("auto") == IUVOrder::Auto);
  CHECK_THROWS_WITH_AS(parse_iuv_order("BGR"), doctest::Contains("expected bgr, rgb or auto"), dpt::Error);
  CHECK(std::string(iuv_order_name(IUVOrder::RGB)) == "rgb");

  // Every U, V byte survives float32 and the truncating writer.
  const int64_t H = 2, W = 256;
  std::vector<float> v(3 * H * W);
  for (int64_t x = 0; x < W; ++x)
    for (int64_t y = 0; y < H; ++y) {
      v[y * W + x] = float((x + y) % 25);
      v[H * W + y * W + x] = float(x / 255.0);
      v[2 * H * W + y * W + x] = float((255 - x) / 255.0);
    }
  Tensor iuv = Tensor::from_vector(v, {3, H, W});
  for (IUVOrder order : {IUVOrder::BGR, IUVOrder::RGB}) {
    const std::string path = test::scratch_dir() + "/rt_" + iuv_order_name(order) + ".png";
    write_iuv(path, iuv, order);
    CHECK(read_iuv(path, order).to_vector() == iuv.to_vector());
  }
  CHECK_THROWS_WITH_AS(write_iuv(test::scratch_dir() + "/x.png", iuv, IUVOrder::Auto),
                       doctest::Contains("explicit order"), dpt::Error);
  CHECK_THROWS_WITH_AS(write_iuv(test::scratch_dir() + "/x.jpg", iuv), doctest::Contains("use a .png name"),
                       dpt::Error);
  Tensor bad = iuv.clone();
  bad.data<float>()[3] = 2.5f;
  CHECK_THROWS_WITH_AS(iuv_to_image(bad, IUVOrder::BGR, "m.png"),
                       doctest::Contains("m.png: IUV part index 2.5 at pixel (0, 3)"), dpt::Error);
  CHECK_THROWS_WITH_AS(check_iuv_matches_image("a_iuv.png", 256, 176, "a.jpg", 256, 256),
                       doctest::Contains("IUV map a_iuv.png is 256x176 (HxW) but its image a.jpg is 256x256"),
                       dpt::Error);
  CHECK_NOTHROW(check_iuv_matches_image("a_iuv.png", 256, 176, "a.jpg", 256, 176));
}

TEST_CASE("io/iuv/JPEG IUV maps are refused") {
  Image8 img;
  img.height = img.width = 8;
  img.channels = 3;
  img.pixels.assign(8 * 8 * 3, 3);
  const std::string path = test::scratch_dir() + "/iuv.jpg";
  write_jpeg(path, img);
  CHECK_THROWS_WITH_AS(read_iuv(path), doctest::Contains("IUV maps must be PNG"), dpt::Error);
}
