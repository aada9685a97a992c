// Real-data checks on ../shared/data/real (DensePose and DeepFashion files; see its SOURCES.md). They skip
// (Note [skipped tests]) when the folder is absent; the files are never copied into the repository (licences).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cmath>
#include <set>
#include <vector>

#include "core/error.h"
#include "io/image.h"
#include "io/iuv.h"
#include "test_util.h"

using namespace dpt;

namespace {

std::string real_dir() {
  const std::string shared = test::shared_dir();
  if (shared.empty()) return "";
  struct stat st;
  const std::string d = shared + "/data/real";
  return ::stat(d.c_str(), &st) == 0 ? d : "";
}

uint64_t fnv1a(const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
  return h;
}

// Decoded RGB bytes as PIL's Image.open(f).convert("RGB") returns them: FNV-1a 64 of the [H, W, 3] array.
struct Expected {
  const char* file;
  int height, width;
  uint64_t rgb_hash;
};
const Expected kFiles[] = {
    {"BadourAlBahar-pose-with-style/fashionWOMENBlouses_Shirtsid0000635004_1front.png", 512, 348,
     0xd43c236465003bb8ull},
    {"BadourAlBahar-pose-with-style/fashionWOMENBlouses_Shirtsid0000635004_1front_iuv.png", 512, 348,
     0x532835d2f5945c30ull},
    {"BadourAlBahar-pose-with-style/fashionWOMENBlouses_Shirtsid0000635004_1front_sil.png", 512, 348,
     0x98b6ec68374c1e60ull},
    {"BadourAlBahar-pose-with-style/fashionWOMENDressesid0000262902_1front_iuv.png", 512, 348, 0xe7d7e6333be373f0ull},
    {"BadourAlBahar-pose-with-style/fashionWOMENDressesid0000262902_3back.png", 512, 348, 0x1886eab00bdd6e2eull},
    {"BadourAlBahar-pose-with-style/fashionWOMENDressesid0000262902_3back_iuv.png", 512, 348, 0xe14fa0538f765103ull},
    {"BadourAlBahar-pose-with-style/fashionWOMENDressesid0000262902_3back_sil.png", 512, 348, 0x570e9b925e588894ull},
    {"BadourAlBahar-pose-with-style/fashionWOMENSkirtsid0000177102_1front.png", 512, 348, 0xc750d2f422104c2bull},
    {"BadourAlBahar-pose-with-style/fashionWOMENSkirtsid0000177102_1front_iuv.png", 512, 348, 0xb44e48cef8e3e2e2ull},
    {"BadourAlBahar-pose-with-style/fashionWOMENSkirtsid0000177102_1front_sil.png", 512, 348, 0xb833894da5972654ull},
    {"SamsungLabs-coordinate_based_inpainting/source_img/WOMEN#Blouses_Shirts#id_00000442#01_2_side.jpg", 256, 256,
     0x5fac3dfa13a33b9aull},
    {"SamsungLabs-coordinate_based_inpainting/source_img/WOMEN#Blouses_Shirts#id_00007424#02_7_additional.jpg", 256,
     256, 0xb88aa9c1c646a8c7ull},
    {"SamsungLabs-coordinate_based_inpainting/source_img/WOMEN#Cardigans#id_00003686#03_3_back.jpg", 256, 256,
     0x1912ba96324fc77cull},
    {"SamsungLabs-coordinate_based_inpainting/source_img/WOMEN#Dresses#id_00000106#03_7_additional.jpg", 256, 256,
     0x502ecfea60188102ull},
    {"SamsungLabs-coordinate_based_inpainting/source_img/WOMEN#Dresses#id_00001674#02_3_back.jpg", 256, 256,
     0xf2e8cdef969d0161ull},
    {"SamsungLabs-coordinate_based_inpainting/source_iuv/WOMEN#Blouses_Shirts#id_00000442#01_2_side_IUV.png", 256, 256,
     0xade6af8ad8d8d00cull},
    {"SamsungLabs-coordinate_based_inpainting/source_iuv/WOMEN#Blouses_Shirts#id_00007424#02_7_additional_IUV.png", 256,
     256, 0x8168df15f506e548ull},
    {"SamsungLabs-coordinate_based_inpainting/source_iuv/WOMEN#Cardigans#id_00003686#03_3_back_IUV.png", 256, 256,
     0x8b74c3bbf4004bc3ull},
    {"SamsungLabs-coordinate_based_inpainting/source_iuv/WOMEN#Dresses#id_00000106#03_7_additional_IUV.png", 256, 256,
     0xfd4d90e5979466b5ull},
    {"SamsungLabs-coordinate_based_inpainting/source_iuv/WOMEN#Dresses#id_00001674#02_3_back_IUV.png", 256, 256,
     0x1bbedb9fb37a1982ull},
    {"facebookresearch-DensePose/demo_im.jpg", 600, 1116, 0xaf9bd909dee0b93dull},
    {"facebookresearch-DensePose/demo_im_INDS.png", 600, 1116, 0xf4cfdf391e07c275ull},
    {"facebookresearch-DensePose/demo_im_IUV.png", 600, 1116, 0x8c64bb1e448cefd3ull},
    {"facebookresearch-DensePose/synth_UV_example.png", 512, 176, 0x7f5a180ef40f97d5ull},
};

// JPEG decoders may legitimately differ by a unit here and there (IDCT and chroma upsampling variants), so
// a JPEG is held to PIL's decode through the mean of each channel over each image quadrant (top-left,
// top-right, bottom-left, bottom-right; R, G, B each), which a wrong colour conversion, channel order, flip
// or crop moves by several units. Measured with the system's libjpeg-turbo 2.1.5: every decoded byte equals
// PIL's (the hashes of kFiles match), so the error is 0; the bound, 0.25 of a unit on means of >= 16384
// pixels, leaves room for +-1 differences on a quarter of the pixels.
struct JpegQuadrants {
  const char* file;
  double mean[12];
};
const JpegQuadrants kJpegQuadrants[] = {
    {"SamsungLabs-coordinate_based_inpainting/source_img/WOMEN#Blouses_Shirts#id_00000442#01_2_side.jpg",
     {213.635, 213.052, 212.174, 210.669, 201.019, 195.170, 195.658, 193.867, 191.869, 199.328, 201.890, 207.359}},
    {"SamsungLabs-coordinate_based_inpainting/source_img/WOMEN#Blouses_Shirts#id_00007424#02_7_additional.jpg",
     {224.840, 223.031, 220.334, 205.769, 197.508, 192.727, 223.083, 222.120, 219.423, 212.896, 200.691, 194.460}},
    {"SamsungLabs-coordinate_based_inpainting/source_img/WOMEN#Cardigans#id_00003686#03_3_back.jpg",
     {218.215, 213.279, 211.276, 200.008, 192.212, 189.795, 186.451, 182.203, 183.020, 181.244, 176.745, 178.610}},
    {"SamsungLabs-coordinate_based_inpainting/source_img/WOMEN#Dresses#id_00000106#03_7_additional.jpg",
     {197.277, 191.285, 184.872, 215.863, 204.512, 197.042, 194.570, 188.457, 182.142, 215.247, 204.730, 198.798}},
    {"SamsungLabs-coordinate_based_inpainting/source_img/WOMEN#Dresses#id_00001674#02_3_back.jpg",
     {232.392, 224.179, 219.653, 222.310, 213.882, 208.907, 219.154, 205.867, 202.558, 226.274, 215.978, 213.711}},
    {"facebookresearch-DensePose/demo_im.jpg",
     {118.916, 117.168, 91.453, 109.143, 110.645, 93.366, 117.089, 111.118, 97.816, 118.827, 115.922, 109.223}},
};
constexpr double kJpegQuadrantTol = 0.25;

// The 12 quadrant means of an RGB image, in the order of JpegQuadrants::mean.
std::vector<double> quadrant_means(const Image8& img) {
  std::vector<double> out;
  const int H = img.height, W = img.width;
  for (int q = 0; q < 4; ++q) {
    const int y0 = q / 2 ? H / 2 : 0, y1 = q / 2 ? H : H / 2, x0 = q % 2 ? W / 2 : 0, x1 = q % 2 ? W : W / 2;
    for (int c = 0; c < 3; ++c) {
      double sum = 0;
      for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) sum += img.pixels[(static_cast<size_t>(y) * W + x) * 3 + c];
      out.push_back(sum / (static_cast<double>(y1 - y0) * (x1 - x0)));
    }
  }
  return out;
}

// Foreground fraction, distinct parts, and mean U, V over the foreground of an (I, U, V) [3, H, W] tensor.
struct IuvStats {
  double fg = 0, mean_u = 0, mean_v = 0;
  size_t parts = 0;
};
IuvStats stats(const Tensor& iuv) {
  const std::vector<double> v = iuv.to_vector();
  const size_t plane = v.size() / 3;
  IuvStats s;
  std::set<int> parts;
  size_t n = 0;
  for (size_t p = 0; p < plane; ++p)
    if (v[p] > 0) {
      ++n;
      parts.insert(int(v[p]));
      s.mean_u += v[plane + p];
      s.mean_v += v[2 * plane + p];
    }
  s.fg = double(n) / plane;
  s.parts = parts.size();
  if (n) {
    s.mean_u /= n;
    s.mean_v /= n;
  }
  return s;
}

void check_sensible(const IuvStats& s, const std::string& what) {
  CAPTURE(what);
  CHECK(s.fg > 0.02);
  CHECK(s.fg < 0.6);
  CHECK(s.parts >= 8);
  CHECK(s.mean_u > 0.3);
  CHECK(s.mean_u < 0.7);
  CHECK(s.mean_v > 0.3);
  CHECK(s.mean_v < 0.7);
}

}  // namespace

TEST_CASE("io/real/decoded bytes match PIL") {
  const std::string dir = real_dir();
  if (dir.empty()) return test::skip("io/real: ../shared/data/real is absent");
  for (const Expected& e : kFiles) {
    const std::string path = dir + "/" + e.file;
    CAPTURE(path);
    Image8 img = read_image(path);
    CHECK(img.height == e.height);
    CHECK(img.width == e.width);
    ImageInfo info = read_image_info(path);
    CHECK(info.height == e.height);
    CHECK(info.width == e.width);
    if (info.format == ImageFormat::PNG) {
      CHECK(fnv1a(img.pixels) == e.rgb_hash);
    } else if (fnv1a(img.pixels) != e.rgb_hash) {  // allowed; the bound is checked below
      MESSAGE(path << ": decoded JPEG bytes differ from PIL's libjpeg-turbo");
    }
  }
  // Every JPEG of kFiles has its quadrant means.
  size_t jpegs = 0;
  for (const Expected& e : kFiles) jpegs += read_image_info(dir + "/" + e.file).format == ImageFormat::JPEG;
  CHECK(jpegs == sizeof(kJpegQuadrants) / sizeof(kJpegQuadrants[0]));
  for (const JpegQuadrants& q : kJpegQuadrants) {
    const std::string path = dir + "/" + q.file;
    CAPTURE(path);
    const std::vector<double> m = quadrant_means(read_image(path));
    REQUIRE(m.size() == 12);
    for (size_t k = 0; k < m.size(); ++k)
      CHECK_MESSAGE(std::fabs(m[k] - q.mean[k]) <= kJpegQuadrantTol,
                    "quadrant " << k / 3 << " channel " << k % 3 << ": mean " << m[k] << " vs PIL's " << q.mean[k]);
  }
}

TEST_CASE("io/real/both IUV channel orders decode sensibly") {
  const std::string dir = real_dir();
  if (dir.empty()) return test::skip("io/real: ../shared/data/real is absent");
  // pose-with-style (PIL writer): R = I. Auto must find rgb; bgr must refuse; the map fits the silhouette.
  const std::string pws = dir + "/BadourAlBahar-pose-with-style/fashionWOMEN";
  for (const char* name :
       {"Blouses_Shirtsid0000635004_1front", "Dressesid0000262902_3back", "Skirtsid0000177102_1front"}) {
    const std::string base = pws + name;
    CAPTURE(base);
    Tensor iuv = read_iuv(base + "_iuv.png", IUVOrder::Auto);
    CHECK(iuv.to_vector() == read_iuv(base + "_iuv.png", IUVOrder::RGB).to_vector());
    CHECK_THROWS_WITH_AS(read_iuv(base + "_iuv.png", IUVOrder::BGR), doctest::Contains("wrong channel order"),
                         dpt::Error);
    check_sensible(stats(iuv), base);
    Image8 img = read_image(base + ".png");
    CHECK_NOTHROW(
        check_iuv_matches_image(base + "_iuv.png", iuv.size(1), iuv.size(2), base + ".png", img.height, img.width));
    Image8 sil = read_image(base + "_sil.png");
    const std::vector<double> v = iuv.to_vector();
    size_t fg = 0, inside = 0;
    for (size_t p = 0; p < v.size() / 3; ++p)
      if (v[p] > 0) {
        ++fg;
        inside += sil.pixels[p * 3] > 127;
      }
    CHECK(double(inside) / fg > 0.95);  // measured 0.976-0.979
  }
  // DensePose's own writer (OpenCV): B = I. Auto must find bgr; rgb must refuse.
  for (const char* f :
       {"SamsungLabs-coordinate_based_inpainting/source_iuv/WOMEN#Dresses#id_00001674#02_3_back_IUV.png",
        "SamsungLabs-coordinate_based_inpainting/source_iuv/WOMEN#Cardigans#id_00003686#03_3_back_IUV.png",
        "facebookresearch-DensePose/demo_im_IUV.png"}) {
    const std::string path = dir + "/" + f;
    CAPTURE(path);
    Image8 rgb = read_image(path);
    CHECK(resolve_iuv_order(rgb, IUVOrder::Auto, path) == IUVOrder::BGR);
    Tensor iuv = read_iuv(path, IUVOrder::Auto);
    CHECK_THROWS_WITH_AS(read_iuv(path, IUVOrder::RGB), doctest::Contains("wrong channel order"), dpt::Error);
    IuvStats s = stats(iuv);
    if (std::string(f).find("demo_im") != std::string::npos) {
      CHECK(s.parts == 24);  // several people: every part appears
      CHECK(s.fg > 0.03);
    } else {
      check_sensible(s, path);
    }
  }
  // A Samsung image and its IUV map have the same size; the pose-with-style IUV of another person does not.
  const std::string sam = dir + "/SamsungLabs-coordinate_based_inpainting/";
  ImageInfo a = read_image_info(sam + "source_img/WOMEN#Dresses#id_00001674#02_3_back.jpg");
  ImageInfo b = read_image_info(sam + "source_iuv/WOMEN#Dresses#id_00001674#02_3_back_IUV.png");
  CHECK_NOTHROW(check_iuv_matches_image("iuv", b.height, b.width, "img", a.height, a.width));
  ImageInfo c = read_image_info(pws + "Dressesid0000262902_1front_iuv.png");
  CHECK_THROWS_WITH_AS(check_iuv_matches_image("pws_iuv.png", c.height, c.width, "sam.jpg", a.height, a.width),
                       doctest::Contains("pws_iuv.png is 512x348 (HxW) but its image sam.jpg is 256x256"), dpt::Error);
}
