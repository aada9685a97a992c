// dpt-synth: writes a synthetic DensePose dataset with exact IUV and ground-truth atlases (see --help),
// and optionally a contact sheet. A thin front-end over synth/ (dataset.h, contact_sheet.h).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "core/error.h"
#include "io/file_io.h"
#include "io/image.h"
#include "synth/contact_sheet.h"
#include "synth/dataset.h"

namespace {

const char* kUsage = R"(usage: dpt-synth --out DIR [options]
       dpt-synth --contact-sheet FILE.png [options]

Renders procedural people made of the 24 DensePose parts, several views each, with exact IUV maps.
Writes (ARCHITECTURE.md section 7): DIR/<split>/<name>.png, DIR/<split>_iuv/<name>.png (DensePose
order: B = I, G = U*255, R = V*255), DIR/pairs-<split>.csv, DIR/persons-<split>.csv and the ground-truth
atlas of every person, DIR/atlas/<person>.png (6S x 4S). Names are p0007_v02; splits are by person
(the last persons are the test split). Same seed -> byte-identical files, for any --threads.

options:
  --out DIR              output folder (created if missing)
  --persons N            number of persons (default 100)
  --views K              views per person (default 4)
  --size HxW             image size (default 256x176; e.g. 256x256, 64x64)
  --tile S               atlas tile size (default 64)
  --seed N               random seed (default 0)
  --test-persons N       persons in the test split (default: round(test-fraction * persons))
  --test-fraction F      share of test persons (default 0.1)
  --pairs-per-person N   sample N ordered pairs per person (default 0 = all K(K-1) pairs)
  --threads N            rendering threads (default 0 = all cores)
  --writers N            PNG writer threads, mostly waiting on fsync (default 8)
  --hair-skirt P         0..1: chance of loose hair and of a loose skirt (slim builds) per person, drawn
                         in the image but not on the body surface: the IUV there shows the body behind,
                         or background (default 0)
  --seam-noise A         0..1: DensePose-like IUV errors near part seams (default 0)
  --shading K            0..1: Lambert shading strength (default 0.25; 0 = image is the atlas lookup)
  --contact-sheet FILE   also (or only) write a PNG of a few persons x views with their IUV and atlas
  --sheet-persons N      persons on the contact sheet (default 4)
  --sheet-views N        views on the contact sheet (default 4)
  --dry-run              render but write nothing (measures rendering speed)
  --quiet                no progress line
  --help                 this text

example contact sheet (4 persons x 4 views, image | IUV per view, then the atlas):
  dpt-synth --contact-sheet sheet.png --size 128x88 --tile 64 --hair-skirt 0.5
)";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

long long parse_int(const std::string& opt, const std::string& s, long long lo, long long hi) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size()) throw UsageError(opt + ": expected an integer, got '" + s + "'");
  if (v < lo || v > hi)
    throw UsageError(opt + ": " + s + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

float parse_unit(const std::string& opt, const std::string& s) {
  size_t used = 0;
  float v = 0;
  try {
    v = std::stof(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size()) throw UsageError(opt + ": expected a number, got '" + s + "'");
  if (!(v >= 0 && v <= 1)) throw UsageError(opt + ": " + s + " is outside 0..1");
  return v;
}

void parse_size(const std::string& s, int& h, int& w) {
  const size_t x = s.find_first_of("xX");
  if (x == std::string::npos) throw UsageError("--size: expected HxW such as 256x176, got '" + s + "'");
  h = static_cast<int>(parse_int("--size (height)", s.substr(0, x), 8, 8192));
  w = static_cast<int>(parse_int("--size (width)", s.substr(x + 1), 8, 8192));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dpt::synth;
  DatasetOptions opt;
  std::string sheet;
  int sheet_persons = 4, sheet_views = 4;
  bool quiet = false, dry_run = false;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw UsageError(a + ": missing value");
        return argv[++i];
      };
      if (a == "--help" || a == "-h") {
        std::cout << kUsage;
        return 0;
      } else if (a == "--out") opt.out = value();
      else if (a == "--persons") opt.persons = static_cast<int>(parse_int(a, value(), 1, 1000000));
      else if (a == "--views") opt.views = static_cast<int>(parse_int(a, value(), 1, 100));
      else if (a == "--size") parse_size(value(), opt.render.height, opt.render.width);
      else if (a == "--tile") opt.render.tile = static_cast<int>(parse_int(a, value(), 2, 4096));
      else if (a == "--seed") opt.seed = static_cast<uint64_t>(parse_int(a, value(), 0, (1LL << 62)));
      else if (a == "--test-persons") opt.test_persons = static_cast<int>(parse_int(a, value(), 0, 1000000));
      else if (a == "--test-fraction") opt.test_fraction = parse_unit(a, value());
      else if (a == "--pairs-per-person") opt.pairs_per_person = static_cast<int>(parse_int(a, value(), 0, 10000));
      else if (a == "--threads") opt.threads = static_cast<int>(parse_int(a, value(), 0, 1024));
      else if (a == "--writers") opt.writers = static_cast<int>(parse_int(a, value(), 1, 256));
      else if (a == "--hair-skirt") opt.hair_skirt = parse_unit(a, value());
      else if (a == "--seam-noise") opt.render.seam_noise = parse_unit(a, value());
      else if (a == "--shading") opt.render.shading = parse_unit(a, value());
      else if (a == "--contact-sheet") sheet = value();
      else if (a == "--sheet-persons") sheet_persons = static_cast<int>(parse_int(a, value(), 1, 64));
      else if (a == "--sheet-views") sheet_views = static_cast<int>(parse_int(a, value(), 1, 64));
      else if (a == "--dry-run") dry_run = true;
      else if (a == "--quiet") quiet = true;
      else throw UsageError("unknown option '" + a + "' (see --help)");
    }
    if (opt.out.empty() && sheet.empty() && !dry_run) throw UsageError("give --out DIR and/or --contact-sheet FILE.png");
    if (opt.test_persons > opt.persons)
      throw UsageError("--test-persons " + std::to_string(opt.test_persons) + " exceeds --persons " +
                       std::to_string(opt.persons));
    if (!sheet.empty() && dpt::file_extension(sheet) != ".png") throw UsageError("--contact-sheet: must be a .png file");
  } catch (const UsageError& e) {
    std::cerr << "dpt-synth: " << e.what() << "\n";
    return 2;
  }

  const int H = opt.render.height, W = opt.render.width;
  if (H % 8 || W % 8 || H < 24 || W < 24)
    std::fprintf(stderr, "dpt-synth: note: the networks need H and W divisible by 8 and >= 24; %dx%d is not\n", H, W);
  try {
    if (!opt.out.empty() || dry_run) {
      opt.dry_run = dry_run;
      auto progress = [&](int done, int total) {
        if (!quiet) std::fprintf(stderr, "\rdpt-synth: %d/%d images", done, total);
      };
      const DatasetStats st = write_dataset(opt, progress);
      if (!quiet) std::fprintf(stderr, "\n");
      std::printf("dpt-synth: %d images (%d train + %d test persons x %d views) at %dx%d, tile %d, in %.2f s: "
                  "%.1f images/s%s%s\n",
                  st.images, st.train_persons, st.test_persons, opt.views, opt.render.height, opt.render.width,
                  opt.render.tile, st.seconds, st.images / std::max(st.seconds, 1e-9), dry_run ? " (dry run)" : " -> ",
                  dry_run ? "" : opt.out.c_str());
    }
    if (!sheet.empty()) {
      dpt::write_png(sheet, make_contact_sheet(opt, std::min(sheet_persons, opt.persons), sheet_views));
      std::printf("dpt-synth: contact sheet -> %s\n", sheet.c_str());
    }
  } catch (const std::exception& e) {
    std::cerr << "dpt-synth: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
