// Dataset writer (dataset.h): persons are rendered in parallel, each from its own random streams, and
// the CSV indexes are written afterwards in person order.
#include "synth/dataset.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "io/file_io.h"
#include "synth/keypoints.h"
#include "synth/random.h"
#include "synth/texture.h"
#include "synth/write_queue.h"

namespace dpt::synth {

// Note [Synth determinism]
// Everything about person i comes from stream_seed(seed, i): its shape, look and atlas, and per view v
// the pose (stream 1000 + v), the seam noise (2000 + v) and the pair sample (3000). No state is shared
// between persons, so the files are byte-identical for any --threads and any scheduling order.

std::string person_name(int person) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "p%04d", person);
  return buf;
}

std::string view_name(int person, int view) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "p%04d_v%02d", person, view);
  return buf;
}

PersonViews render_person(const DatasetOptions& opt, int person_id) {
  PersonViews pv;
  pv.person = make_person(opt.seed, person_id, opt.hair_skirt);
  pv.atlas = make_atlas(pv.person.look, opt.render.tile);
  for (int v = 0; v < opt.views; ++v) {
    const Pose pose = make_pose(pv.person.seed, v);
    pv.frames.push_back(render_view(pv.person, pv.atlas, pose, opt.render,
                                    stream_seed(pv.person.seed, 2000 + static_cast<uint64_t>(v))));
    pv.keypoints.push_back(view_keypoints(pv.person, pose, opt.render));
  }
  return pv;
}

namespace {

int test_count(const DatasetOptions& opt) {
  return opt.test_persons >= 0 ? opt.test_persons
                               : static_cast<int>(std::lround(opt.test_fraction * static_cast<float>(opt.persons)));
}

void check_options(const DatasetOptions& opt) {
  DPT_CHECK(opt.dry_run || !opt.out.empty(), "dpt-synth: no output folder given");
  DPT_CHECK(opt.persons >= 1, "dpt-synth: persons must be >= 1, got " << opt.persons);
  DPT_CHECK(opt.views >= 1 && opt.views <= 100, "dpt-synth: views must be in 1..100, got " << opt.views);
  DPT_CHECK(opt.render.height >= 8 && opt.render.width >= 8,
            "dpt-synth: image size must be at least 8x8, got " << opt.render.height << "x" << opt.render.width);
  DPT_CHECK(opt.render.tile >= 2, "dpt-synth: tile size must be >= 2, got " << opt.render.tile);
  const int t = test_count(opt);
  DPT_CHECK(t >= 0 && t <= opt.persons, "dpt-synth: " << t << " test persons out of " << opt.persons);
}

void write_text(const std::string& path, const std::string& text) { write_file_atomic(path, text.data(), text.size()); }

// Ordered pairs (a, b), a != b, of one person's views: all of them, or a sample of n.
std::vector<std::pair<int, int>> view_pairs(const DatasetOptions& opt, const Person& person) {
  std::vector<std::pair<int, int>> pairs;
  for (int a = 0; a < opt.views; ++a)
    for (int b = 0; b < opt.views; ++b)
      if (a != b) pairs.emplace_back(a, b);
  if (opt.pairs_per_person > 0 && opt.pairs_per_person < static_cast<int>(pairs.size())) {
    Rand r(stream_seed(person.seed, 3000));
    for (int i = 0; i < opt.pairs_per_person; ++i)
      std::swap(pairs[i], pairs[i + r.below(static_cast<int>(pairs.size()) - i)]);
    pairs.resize(opt.pairs_per_person);
  }
  return pairs;
}

}  // namespace

DatasetStats write_dataset(const DatasetOptions& opt, const std::function<void(int, int)>& progress) {
  check_options(opt);
  const auto start = std::chrono::steady_clock::now();
  const int n_test = test_count(opt), n_train = opt.persons - n_test;
  auto split_of = [&](int person) { return person < n_train ? std::string("train") : std::string("test"); };
  for (const char* split : {"train", "test"}) {
    if (opt.dry_run || (std::string(split) == "train" ? n_train : n_test) == 0) continue;
    make_dirs(opt.out + "/" + split);
    make_dirs(opt.out + "/" + split + "_iuv");
  }
  if (!opt.dry_run) make_dirs(opt.out + "/atlas");

  WriteQueue queue(opt.dry_run ? 0 : opt.writers, 64);
  std::vector<Keypoints> keypoints(static_cast<size_t>(opt.persons) * opt.views);  // view id*views+v
  std::atomic<int> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;
  auto worker = [&]() {
    for (int id = next++; id < opt.persons && !failed; id = next++) {
      try {
        const PersonViews pv = render_person(opt, id);
        std::copy(pv.keypoints.begin(), pv.keypoints.end(), keypoints.begin() + static_cast<size_t>(id) * opt.views);
        if (opt.dry_run) {
          done += opt.views;
          continue;
        }
        queue.push(opt.out + "/atlas/" + person_name(id) + ".png", pv.atlas);
        const std::string split = split_of(id);
        for (int v = 0; v < opt.views; ++v) {
          const std::string name = view_name(id, v) + ".png";
          queue.push(opt.out + "/" + split + "/" + name, rgb_image(pv.frames[v]));
          queue.push(opt.out + "/" + split + "_iuv/" + name, iuv_image(pv.frames[v]));
          ++done;
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!failed.exchange(true)) error = e.what();
      }
    }
  };
  const int threads = std::max(1, std::min(opt.persons, opt.threads > 0 ? opt.threads
                                                        : static_cast<int>(std::thread::hardware_concurrency())));
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
  const int total = opt.persons * opt.views;
  while (progress && done < total && !failed) {
    progress(done, total);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    // Workers may all have stopped early on an error; the loop condition sees `failed` then.
  }
  for (std::thread& t : pool) t.join();
  queue.finish();  // throws the first write error
  if (failed) throw Error(error);
  if (progress) progress(done, total);

  // Indexes, in person order.
  for (const char* split : {"train", "test"}) {
    if (opt.dry_run) break;
    const int first = std::string(split) == "train" ? 0 : n_train, last = std::string(split) == "train" ? n_train : opt.persons;
    if (first == last) continue;
    std::ostringstream persons, pairs;
    persons << "name,person\n";
    pairs << "from,to\n";
    std::vector<std::string> kp_names;
    std::vector<Keypoints> kp_rows;
    for (int id = first; id < last; ++id) {
      for (int v = 0; v < opt.views; ++v) {
        persons << view_name(id, v) << "," << person_name(id) << "\n";
        kp_names.push_back(view_name(id, v));
        kp_rows.push_back(keypoints[static_cast<size_t>(id) * opt.views + v]);
      }
      const Person person = make_person(opt.seed, id, opt.hair_skirt);
      for (const auto& [a, b] : view_pairs(opt, person)) pairs << view_name(id, a) << "," << view_name(id, b) << "\n";
    }
    write_text(opt.out + "/persons-" + split + ".csv", persons.str());
    write_text(opt.out + "/pairs-" + split + ".csv", pairs.str());
    write_keypoints_csv(opt.out + "/fasion-resize-annotation-" + std::string(split) + ".csv", kp_names, kp_rows);
  }

  DatasetStats st;
  st.images = total;
  st.train_persons = n_train;
  st.test_persons = n_test;
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return st;
}

}  // namespace dpt::synth
