// dpt-synth: writes a synthetic DensePose dataset with exact IUV and ground-truth atlases (see --help),
// and optionally a contact sheet. A thin front-end over synth/ (dataset.h, contact_sheet.h).
#include <algorithm>
#include <cstdio>
#include <string>

#include "core/progress.h"
#include "io/file_io.h"
#include "io/image.h"
#include "synth/contact_sheet.h"
#include "synth/dataset.h"
#include "tools/common/cli.h"

namespace {

const char* kUsage = R"(usage: dpt-synth --out DIR [options]
       dpt-synth --contact-sheet FILE.png [options]

Renders procedural people made of the 24 DensePose parts, several views each, with exact IUV maps.
Writes (docs/dpt.md section 7): DIR/<split>/<name>.png, DIR/<split>_iuv/<name>.png (DensePose
order: B = I, G = U*255, R = V*255), DIR/pairs-<split>.csv, DIR/persons-<split>.csv and the ground-truth
atlas of every person, DIR/atlas/<person>.png (6S x 4S). For SCA-GAN (docs/sca.md section 1) also the
COCO-18 keypoints of every view, DIR/fasion-resize-annotation-<split>.csv (PATN format, y first; hidden
joints -1, joints outside the frame keep their coordinates: synth/keypoints.h); `dpt-edges --root DIR
--split train --split test` then adds the edge maps. Names are p0007_v02; splits are by person (the last
persons are the test split). Same seed -> byte-identical files, for any --threads.

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
  --threads N            rendering threads, 0..256 (default: DPT_THREADS, else 0 = all cores)
  --writers N            PNG writer threads, mostly waiting on fsync (default 8)
  --hair-skirt P         0..1: chance of loose hair and of a loose skirt (slim builds) per person, drawn
                         in the image but not on the body surface: the IUV there shows the body behind,
                         or background (default 0)
  --seam-noise A         0..1: DensePose-like IUV errors near part seams (default 0)
  --shading K            0..1: Lambert shading strength (default 0.25; 0 = image is the atlas lookup)
  --contact-sheet FILE   also (or only) write a PNG of a few persons x views with their IUV and atlas
  --sheet-persons N      persons on the contact sheet (default 4)
  --sheet-views N        views on the contact sheet (default 4)
  --sheet-sca            two more panels per view on the sheet: SCA-GAN's 18 heatmaps with the skeleton,
                         and the XDoG edge map, each over the image
  --dry-run              render but write nothing (measures rendering speed)
  --quiet                no progress line
  --help                 this text

example contact sheet (4 persons x 4 views, image | IUV per view, then the atlas):
  dpt-synth --contact-sheet sheet.png --size 128x88 --tile 64 --hair-skirt 0.5
the same with SCA-GAN's inputs (image | IUV | heatmaps + skeleton | edges per view):
  dpt-synth --contact-sheet sheet.png --size 128x88 --sheet-sca
)";

using dpt::cli::Args;
using dpt::cli::Kind;
using dpt::cli::UsageError;

const std::vector<dpt::cli::Option> kOptions = {
    {"--out"},          {"--persons"},      {"--views"},       {"--size"},          {"--tile"},
    {"--seed"},         {"--test-persons"}, {"--test-fraction"}, {"--pairs-per-person"}, {"--threads"},
    {"--writers"},      {"--hair-skirt"},   {"--seam-noise"},  {"--shading"},       {"--contact-sheet"},
    {"--sheet-persons"}, {"--sheet-views"}, {"--sheet-sca", Kind::Flag}, {"--dry-run", Kind::Flag}, {"--quiet", Kind::Flag}};

void parse_size(const std::string& s, int& h, int& w) {
  const size_t x = s.find_first_of("xX");
  if (x == std::string::npos) throw UsageError("--size: expected HxW such as 256x176, got '" + s + "'");
  h = static_cast<int>(dpt::cli::parse_int("--size (height)", s.substr(0, x), 8, 8192));
  w = static_cast<int>(dpt::cli::parse_int("--size (width)", s.substr(x + 1), 8, 8192));
}

int run(const Args& a) {
  using namespace dpt::synth;
  DatasetOptions opt;
  opt.out = a.get("--out");
  opt.persons = static_cast<int>(a.get_int("--persons", 1, 1000000, opt.persons));
  opt.views = static_cast<int>(a.get_int("--views", 1, 100, opt.views));
  if (a.has("--size")) parse_size(a.get("--size"), opt.render.height, opt.render.width);
  opt.render.tile = static_cast<int>(a.get_int("--tile", 2, 4096, opt.render.tile));
  opt.seed = static_cast<uint64_t>(a.get_int("--seed", 0, int64_t(1) << 62, static_cast<int64_t>(opt.seed)));
  opt.test_persons = static_cast<int>(a.get_int("--test-persons", 0, 1000000, opt.test_persons));
  opt.test_fraction = static_cast<float>(a.get_real("--test-fraction", 0, 1, opt.test_fraction));
  opt.pairs_per_person = static_cast<int>(a.get_int("--pairs-per-person", 0, 10000, opt.pairs_per_person));
  opt.threads = dpt::cli::threads_option(a);
  opt.writers = static_cast<int>(a.get_int("--writers", 1, 256, opt.writers));
  opt.hair_skirt = static_cast<float>(a.get_real("--hair-skirt", 0, 1, opt.hair_skirt));
  opt.render.seam_noise = static_cast<float>(a.get_real("--seam-noise", 0, 1, opt.render.seam_noise));
  opt.render.shading = static_cast<float>(a.get_real("--shading", 0, 1, opt.render.shading));
  const std::string sheet = a.get("--contact-sheet");
  const int sheet_persons = static_cast<int>(a.get_int("--sheet-persons", 1, 64, 4));
  const int sheet_views = static_cast<int>(a.get_int("--sheet-views", 1, 64, 4));
  const bool quiet = a.has("--quiet"), dry_run = a.has("--dry-run");
  DPT_USAGE_CHECK(!opt.out.empty() || !sheet.empty() || dry_run, "give --out DIR and/or --contact-sheet FILE.png");
  DPT_USAGE_CHECK(opt.test_persons <= opt.persons,
                  "--test-persons " << opt.test_persons << " exceeds --persons " << opt.persons);
  DPT_USAGE_CHECK(sheet.empty() || dpt::file_extension(sheet) == ".png", "--contact-sheet: must be a .png file");

  const int H = opt.render.height, W = opt.render.width;
  if (H % 8 || W % 8 || H < 24 || W < 24)
    std::fprintf(stderr, "dpt-synth: note: the networks need H and W divisible by 8 and >= 24; %dx%d is not\n", H, W);
  if (!opt.out.empty() || dry_run) {
    opt.dry_run = dry_run;
    dpt::Progress progress("dpt-synth", static_cast<int64_t>(opt.persons) * opt.views);
    progress.set_enabled(!quiet);
    const DatasetStats st = write_dataset(opt, [&](int done, int) { progress.update(done); });
    progress.finish();
    std::printf("dpt-synth: %d images (%d train + %d test persons x %d views) at %dx%d, tile %d, in %.2f s: "
                "%.1f images/s%s%s\n",
                st.images, st.train_persons, st.test_persons, opt.views, opt.render.height, opt.render.width,
                opt.render.tile, st.seconds, st.images / std::max(st.seconds, 1e-9), dry_run ? " (dry run)" : " -> ",
                dry_run ? "" : opt.out.c_str());
  }
  if (!sheet.empty()) {
    dpt::write_png(sheet, make_contact_sheet(opt, std::min(sheet_persons, opt.persons), sheet_views, a.has("--sheet-sca")));
    std::printf("dpt-synth: contact sheet -> %s\n", sheet.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return dpt::cli::run("dpt-synth", kUsage, argc, argv, kOptions, 0, run); }
