// dpt-edges: writes the 8-bit XDoG edge maps SCA-GAN reads (docs/sca.md section 1) for every image of a dataset
// split or of a folder, with the parameter record that keeps the cache honest (Note [edge cache] in
// io/sca_dataset.h). A thin front-end over ops/xdog.h.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <cmath>
#include <map>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/progress.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/image_path.h"
#include "io/sca_dataset.h"
#include "ops/xdog.h"
#include "tools/common/cli.h"

namespace {

const char* kUsage = R"(usage: dpt-edges --root DIR --split NAME [--split NAME ...] [options]
       dpt-edges --images DIR --out DIR [options]

Precomputes SCA-GAN's XDoG edge maps (docs/sca.md section 1): 8-bit grey PNGs, dark lines on white, one per
image, named as SCA-GAN reads them: fashionMENDenimid0000008001_1front.jpg -> MENDenimid0000008001_1front.png
(a leading "fashion" is dropped). With --root, the images of ROOT/<split>/ go to ROOT/trainE/diff/ (every
split into that one folder, as the original does); with --images, DIR's images go to --out.

The folder's xdog.json records the parameters. An existing record that differs from the requested
parameters is refused (the PNGs would silently be a stale cache); --force recomputes every file and
replaces it. A folder with edge PNGs but no record is refused likewise. Up-to-date files (newer than their
image, same record) are skipped, so an interrupted run continues where it stopped.

options:
  --root DIR         dataset root (docs/sca.md layout; DPT's layout works as is)
  --split NAME       split folder under the root (repeatable: --split train --split test)
  --images DIR       a folder of .jpg / .png images instead of a dataset
  --out DIR          output folder (default with --root: ROOT/trainE/diff)
  --sigma S          XDoG sigma (default 0.8)
  --k K              ratio of the two Gaussians (default 1.6)
  --gamma G          (default 0.98)
  --phi P            tanh steepness (default 200)
  --eps E            threshold of main.m's branch (default -0.1)
  --force            recompute every file and replace a differing or missing record
  --dry-run          report what would be done; write nothing
  --threads N        threads of the XDoG kernel (default: DPT_THREADS, else all cores)
  --writers N        images processed at once, 1..64 (default 8: each PNG write waits on fsync)
  --quiet            no progress line
  --help             this text

examples:
  dpt-edges --root deepfashion --split train --split test
  dpt-edges --root data/synth --split train --split test --threads 2
  dpt-edges --images photos --out photos_edges --sigma 1.0
)";

struct Job {
  std::string image, edge;
};

std::vector<std::string> list_images(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  DPT_CHECK(std::filesystem::is_directory(dir, ec), dir << ": no such image folder");
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string n = it->path().filename().string();
    if (dpt::has_image_extension(n)) out.push_back(n);
  }
  DPT_CHECK(!ec, dir << ": cannot list the folder: " << ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

// Modification time in nanoseconds, or -1 when the file is absent.
long long mtime_ns(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

int body(const dpt::cli::Args& a) {
  using namespace dpt;
  const std::vector<std::string> splits = a.all("--split");
  const bool dataset = a.has("--root");
  DPT_USAGE_CHECK(dataset != a.has("--images"), "give --root DIR with --split NAME, or --images DIR with --out DIR");
  DPT_USAGE_CHECK(!dataset || !splits.empty(), "--root needs at least one --split NAME");
  DPT_USAGE_CHECK(dataset || splits.empty(), "--split is used with --root, not with --images");
  DPT_USAGE_CHECK(dataset || a.has("--out"), "--images needs --out DIR");
  XdogParams p;
  p.sigma = a.get_real("--sigma", 1e-3, kXdogMaxRadius / 2.0, p.sigma);
  p.k = a.get_real("--k", 1e-3, 100, p.k);
  p.gamma = a.get_real("--gamma", -1e6, 1e6, p.gamma);
  p.phi = a.get_real("--phi", -1e9, 1e9, p.phi);
  p.eps = a.get_real("--eps", -1e6, 1e6, p.eps);
  DPT_USAGE_CHECK(std::ceil(2 * p.k * p.sigma) <= kXdogMaxRadius,
                  "--sigma " << p.sigma << " x --k " << p.k << " needs a Gaussian radius above " << kXdogMaxRadius);
  const bool force = a.has("--force"), dry = a.has("--dry-run"), quiet = a.has("--quiet");
  const int threads = cli::apply_threads(a);
  const int64_t max_writers = a.get_int("--writers", 1, 64, 8);
  const std::string root = a.get("--root"), out = a.get("--out", dataset ? root + "/trainE/diff" : "");

  // Every image -> its edge file.
  std::vector<Job> jobs;
  std::vector<std::string> dirs;
  if (dataset)
    for (const std::string& s : splits) dirs.push_back(root + "/" + s);
  else
    dirs.push_back(a.get("--images"));
  std::map<std::string, std::string> seen;  // edge file -> image, to refuse two images on one edge file
  for (const std::string& d : dirs) {
    for (const std::string& n : list_images(d)) {
      const std::string edge = out + "/" + sca_edge_file_name(n);
      auto ins = seen.emplace(edge, d + "/" + n);
      DPT_CHECK(ins.second, "images " << ins.first->second << " and " << d << "/" << n << " would both write " << edge);
      jobs.push_back({d + "/" + n, edge});
    }
  }
  DPT_CHECK(!jobs.empty(), "no .jpg / .png images in " << dirs.front() << (dirs.size() > 1 ? " (and the other splits)" : ""));

  // The record (Note [edge cache]).
  XdogParams recorded;
  const bool have_record = std::filesystem::is_directory(out) && read_xdog_record(out, &recorded);
  size_t existing = 0;
  for (const Job& j : jobs) existing += file_exists(j.edge);
  if (have_record && !force) check_xdog_record(out, p);  // throws naming both parameter sets
  DPT_CHECK(have_record || existing == 0 || force,
            out << " holds " << existing << " edge PNG(s) of these images but no " << xdog_record_path(out)
                << ": their XDoG parameters are unknown. --force recomputes them all with " << xdog_params_str(p));
  std::vector<const Job*> todo;
  for (const Job& j : jobs)
    if (force || mtime_ns(j.edge) < 0 || mtime_ns(j.edge) < mtime_ns(j.image)) todo.push_back(&j);
  std::printf("dpt-edges: %zu images, %zu up to date, %zu to compute -> %s (XDoG %s)%s\n", jobs.size(),
              jobs.size() - todo.size(), todo.size(), out.c_str(), xdog_params_str(p).c_str(), dry ? " [dry run]" : "");
  if (dry || todo.empty()) {
    if (!dry && !have_record) write_xdog_record(out, p);
    return cli::kExitOk;
  }

  make_dirs(out);
  std::error_code ec;
  // Fresh or matching folder: the record first, so an interrupted run resumes. Forced: the old record
  // goes first and the new one is written at the end, so an interrupted --force leaves no record.
  if (force) std::filesystem::remove(xdog_record_path(out), ec);
  else if (!have_record) write_xdog_record(out, p);

  // Workers each take the next image: decode, XDoG, write (PNG writes are fsync'ed: mostly waiting).
  Progress progress("dpt-edges", static_cast<int64_t>(todo.size()));
  progress.set_enabled(!quiet);
  std::atomic<size_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;
  auto worker = [&] {
    for (size_t i = next++; i < todo.size() && !failed; i = next++) {
      try {
        int h = 0, w = 0;
        const Tensor rgb = image_bytes_tensor(todo[i]->image, &h, &w);
        const Tensor e = xdog_edge_bytes(rgb, p);
        Image8 img{h, w, 1, std::vector<uint8_t>(static_cast<size_t>(h) * w)};
        const float* src = e.data<float>();
        for (size_t k = 0; k < img.pixels.size(); ++k) img.pixels[k] = static_cast<uint8_t>(src[k]);
        write_png(todo[i]->edge, img);
        progress.update(static_cast<int64_t>(++done), todo[i]->edge);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!failed.exchange(true)) error = e.what();
      }
    }
  };
  const int writers = static_cast<int>(std::min<int64_t>(max_writers, static_cast<int64_t>(todo.size())));
  std::vector<std::thread> pool;
  for (int t = 0; t < writers; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  DPT_CHECK(!failed, error);
  progress.finish();
  if (force) write_xdog_record(out, p);
  std::printf("dpt-edges: wrote %zu edge maps in %.1f s with %d thread(s)\n", todo.size(), progress.elapsed_seconds(),
              threads);
  return cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  using dpt::cli::Kind;
  return dpt::cli::run("dpt-edges", kUsage, argc, argv,
                       {{"--root", Kind::Value},   {"--split", Kind::Repeated}, {"--images", Kind::Value},
                        {"--out", Kind::Value},    {"--sigma", Kind::Value},    {"--k", Kind::Value},
                        {"--gamma", Kind::Value},  {"--phi", Kind::Value},      {"--eps", Kind::Value},
                        {"--force", Kind::Flag},   {"--dry-run", Kind::Flag},   {"--threads", Kind::Value},
                        {"--quiet", Kind::Flag},   {"--writers", Kind::Value}},
                       0, body);
}
