// Writes a synthetic dataset in the docs/dpt.md section 7 layout: <out>/<split>/<name>.png,
// <out>/<split>_iuv/<name>.png, pairs-<split>.csv, persons-<split>.csv and <out>/atlas/<person>.png, and
// the COCO-18 keypoints of every view for SCA-GAN, <out>/fasion-resize-annotation-<split>.csv (docs/sca.md
// section 1; synth/keypoints.h).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/keypoints.h"
#include "synth/render.h"

namespace dpt::synth {

struct DatasetOptions {
  std::string out;
  int persons = 100, views = 4;
  RenderOptions render;       // size, tile, shading, seam noise
  uint64_t seed = 0;
  int test_persons = -1;      // < 0: round(test_fraction * persons)
  float test_fraction = 0.1f;
  float hair_skirt = 0;       // probability of loose hair / a loose skirt per person
  int pairs_per_person = 0;   // 0: all ordered pairs of different views; else a deterministic sample
  int threads = 0;            // <= 0: all cores
  int writers = 8;            // PNG writer threads (mostly waiting on fsync, see write_queue.h)
  bool dry_run = false;       // render only, write nothing (out may be empty)
};

struct DatasetStats {
  int images = 0, train_persons = 0, test_persons = 0;
  double seconds = 0;
};

// "p0007", "p0007_v02".
std::string person_name(int person);
std::string view_name(int person, int view);

// One person's truth and views, as the dataset writes them (also used by the tests and the contact
// sheet). Deterministic in (seed, person id): Note [Synth determinism] in dataset.cpp.
struct PersonViews {
  Person person;
  Image8 atlas;
  std::vector<Frame> frames;
  std::vector<Keypoints> keypoints;  // per view, Note [Synth keypoints]
};
PersonViews render_person(const DatasetOptions& opt, int person_id);

// Renders and writes everything; `progress(done, total)` is called from the calling thread about every
// 0.2 s and once at the end. Throws dpt::Error naming the file on any I/O failure.
DatasetStats write_dataset(const DatasetOptions& opt, const std::function<void(int, int)>& progress = {});

}  // namespace dpt::synth
