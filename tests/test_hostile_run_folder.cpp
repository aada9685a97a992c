// Issue 15, run folders (Note [run folder] in train/run_folder.cpp): the lock (also across processes),
// refusal of a non-empty folder, --overwrite, clean-up of a killed writer's temporary files, the loss log
// after a kill + resume, the fallback past a corrupt newest checkpoint, and a refused start writing nothing.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "io/file_io.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "tests/test_io_util.h"
#include "tests/test_util.h"
#include "train/run_folder.h"

using namespace dpt;
using namespace dpt::test;

namespace {

const std::vector<std::string> kStages = {"predictive", "inpainting", "blending"};

void put(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  REQUIRE(f);
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Every file under dir (relative path -> contents), to prove that a refusal changed nothing.
std::map<std::string, std::string> snapshot(const std::string& dir, const std::string& rel = "") {
  std::map<std::string, std::string> out;
  for (const std::string& p : list_files(dir + rel)) {
    const std::string name = p.substr(p.rfind('/') + 1);
    struct stat st;
    REQUIRE(stat(p.c_str(), &st) == 0);
    if (S_ISDIR(st.st_mode)) {
      out[rel + "/" + name + "/"] = "";
      for (auto& kv : snapshot(dir, rel + "/" + name)) out.insert(kv);
    } else {
      out[rel + "/" + name] = slurp(p);
    }
  }
  return out;
}

// A run folder as a finished run leaves it.
void fake_finished_run(const std::string& out) {
  REQUIRE(std::system(("mkdir -p " + out + "/checkpoints " + out + "/samples " + out + "/plots").c_str()) == 0);
  write_safetensors(out + "/checkpoints/blending-0000006.safetensors", {{"w", Tensor::ones({2})}},
                    {{"stage", "blending"}, {"step", "6"}}, true);
  put(out + "/samples/predictive-3.png", "png");
  put(out + "/plots/predictive.svg", "<svg/>");
  put(out + "/losses.jsonl", "{\"stage\":\"predictive\",\"step\":1,\"loss\":1}\n");
  put(out + "/config.json", "{}\n");
  put(out + "/model.safetensors", "weights");
  put(out + "/predictive.safetensors", "weights");
  put(out + "/notes.txt", "the user's own file");
}

std::string log_line(const std::string& stage, int step, double loss) {
  std::ostringstream os;
  os << "{\"stage\":\"" << stage << "\",\"step\":" << step << ",\"loss\":" << loss << "}\n";
  return os.str();
}

}  // namespace

TEST_CASE("hostile/run_folder/a second claim on a locked folder is refused naming the pid") {
  const std::string out = temp_dir("hostile_lock") + "/run";
  RunFolder a = RunFolder::open(out, kStages);
  CHECK(a.lock_holder() == 0);
  a.prepare(RunStart::fresh());
  CHECK(slurp(a.lock_path()) == std::to_string(getpid()) + "\n");
  // flock locks belong to an open file: a second open in this same process conflicts too.
  RunFolder b = RunFolder::open(out, kStages);
  CHECK(b.lock_holder() == getpid());
  const std::string pid = "pid " + std::to_string(getpid());
  CHECK_ERROR(b.prepare(RunStart::resume_at("predictive", 0)), out, "in use", pid);
  CHECK_ERROR(RunFolder::precheck(out, RunStart::Overwrite), "in use", pid);
  {
    RunFolder copy = a;  // copies share the lock: it goes with the last of them
    a = RunFolder::open(out, kStages);
    CHECK(b.lock_holder() == getpid());
  }
  CHECK(b.lock_holder() == 0);
  CHECK_NOTHROW(b.prepare(RunStart::resume_at("predictive", 0)));
}

TEST_CASE("hostile/run_folder/two processes: the second is refused naming the first's pid") {
  const std::string out = temp_dir("hostile_lock2") + "/run";
  int ready[2], release[2];
  REQUIRE(pipe(ready) == 0);
  REQUIRE(pipe(release) == 0);
  std::fflush(nullptr);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // holds the folder until told to go
    int code = 0;
    try {
      RunFolder f = RunFolder::open(out, kStages);
      f.prepare(RunStart::fresh());
      char c = 'r';
      if (write(ready[1], &c, 1) != 1) code = 2;
      if (read(release[0], &c, 1) != 1) code = 3;
    } catch (...) {
      code = 4;
    }
    _exit(code);
  }
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  const std::string pid = "pid " + std::to_string(child);
  CHECK(RunFolder::open(out, kStages).lock_holder() == child);
  CHECK_ERROR(RunFolder::open(out, kStages).prepare(RunStart::resume_at("", 0)), "in use", pid);
  CHECK_ERROR(RunFolder::open(out, kStages).prepare(RunStart::overwrite()), "in use", pid);
  REQUIRE(write(release[1], &c, 1) == 1);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  // The holder is gone: its lock went with it (also after a kill, the kernel drops it).
  CHECK(RunFolder::open(out, kStages).lock_holder() == 0);
  CHECK_NOTHROW(RunFolder::open(out, kStages).prepare(RunStart::resume_at("", 0)));
  for (int fd : {ready[0], ready[1], release[0], release[1]}) close(fd);
}

TEST_CASE("hostile/run_folder/a non-empty folder is refused without writing anything") {
  const std::string out = temp_dir("hostile_nonempty") + "/run";
  fake_finished_run(out);
  const auto before = snapshot(out);
  RunFolder f = RunFolder::open(out, kStages);
  CHECK_ERROR(f.prepare(RunStart::fresh()), out, "already holds a run", "config.json", "--resume auto", "--overwrite");
  CHECK_ERROR(RunFolder::precheck(out, RunStart::Fresh), "already holds a run");
  CHECK(snapshot(out) == before);  // not even the lock file
  CHECK_FALSE(file_exists(out + "/.lock"));
  // Without a checkpoint there is nothing to resume: the message says so.
  REQUIRE(std::remove((out + "/checkpoints/blending-0000006.safetensors").c_str()) == 0);
  CHECK_ERROR(f.prepare(RunStart::fresh()), "no checkpoint to resume from", "--overwrite");
  // --resume auto that found no checkpoint (Continue from nothing) still keeps a run's weights.
  CHECK_ERROR(f.prepare(RunStart::resume_at("", 0)), "no intact checkpoint", "model.safetensors", "--overwrite");
  CHECK_FALSE(file_exists(out + "/.lock"));
  // Empty standard subfolders and the lock file alone are not a run.
  const std::string empty = temp_dir("hostile_nonempty") + "/empty";
  REQUIRE(std::system(("mkdir -p " + empty + "/checkpoints " + empty + "/plots && touch " + empty + "/.lock").c_str()) ==
          0);
  CHECK_NOTHROW(RunFolder::open(empty, kStages).prepare(RunStart::fresh()));
}

TEST_CASE("hostile/run_folder/--overwrite deletes the previous run's outputs and nothing else") {
  const std::string out = temp_dir("hostile_overwrite") + "/run";
  fake_finished_run(out);
  RunFolder f = RunFolder::open(out, kStages);
  f.prepare(RunStart::overwrite());
  const auto after = snapshot(out);
  std::vector<std::string> left;
  for (const auto& kv : after) left.push_back(kv.first);
  CHECK(left == std::vector<std::string>{"/.lock", "/checkpoints/", "/notes.txt", "/plots/", "/samples/"});
  CHECK(f.latest_checkpoint().empty());
}

TEST_CASE("hostile/run_folder/temporary files of a killed writer are removed at the next start") {
  const std::string out = temp_dir("hostile_tmp") + "/run";
  fake_finished_run(out);
  // io/file_io.cpp names them <file>.tmp.<pid>.<n>.
  const std::vector<std::string> stale = {"/checkpoints/blending-0000009.safetensors.tmp.4242.0",
                                          "/losses.jsonl.tmp.17.3", "/config.json.tmp.99999.12",
                                          "/plots/blending.svg.tmp.5.1", "/samples/blending-9.png.tmp.77.0"};
  const std::vector<std::string> kept = {"/notes.tmp.txt", "/checkpoints/x.tmp.12", "/a.tmp.1.b"};
  for (const std::string& s : stale) put(out + s, "partial");
  for (const std::string& s : kept) put(out + s, "not ours");
  RunFolder::open(out, kStages).prepare(RunStart::resume_at("blending", 6));
  for (const std::string& s : stale) CHECK_MESSAGE(!file_exists(out + s), s);
  for (const std::string& s : kept) CHECK_MESSAGE(file_exists(out + s), s);
  CHECK(file_exists(out + "/checkpoints/blending-0000006.safetensors"));
}

TEST_CASE("hostile/run_folder/after a kill the resumed log has every step once, and so do the plots") {
  const std::string out = temp_dir("hostile_log") + "/run";
  REQUIRE(std::system(("mkdir -p " + out).c_str()) == 0);
  // A killed run: predictive done (1..4), inpainting logged to step 5 but checkpointed at 3, a torn line.
  std::string log;
  for (int s = 1; s <= 4; ++s) log += log_line("predictive", s, 1.0 / s);
  for (int s = 1; s <= 5; ++s) log += log_line("inpainting", s, 2.0 / s);
  log += "{\"stage\":\"inpainting\",\"st";
  put(out + "/losses.jsonl", log);
  RunFolder f = RunFolder::open(out, kStages);
  f.prepare(RunStart::resume_at("inpainting", 3));
  std::string expect;
  for (int s = 1; s <= 4; ++s) expect += log_line("predictive", s, 1.0 / s);
  for (int s = 1; s <= 3; ++s) expect += log_line("inpainting", s, 2.0 / s);
  CHECK(slurp(out + "/losses.jsonl") == expect);
  // The resumed process logs steps 4..6; the stage's plot is rebuilt from the whole log.
  for (int s = 4; s <= 6; ++s) f.append_loss(parse_json(log_line("inpainting", s, 2.0 / s)));
  std::vector<double> steps;
  for (const Json& r : f.loss_records("inpainting")) steps.push_back(r.at("step").as_number());
  CHECK(steps == std::vector<double>{1, 2, 3, 4, 5, 6});
  f.write_loss_plot("inpainting", {"loss"});
  const std::string svg = slurp(out + "/plots/inpainting.svg");
  CHECK(contains(svg, "<svg"));
  CHECK(contains(svg, "loss"));
  // Resuming "from nothing" (--resume auto without a checkpoint) keeps no record.
  f = RunFolder::open(out, kStages);  // releases the lock of the first
  RunFolder g = RunFolder::open(out, kStages);
  g.prepare(RunStart::resume_at("", 0));
  CHECK(slurp(out + "/losses.jsonl").empty());
}

TEST_CASE("hostile/run_folder/a corrupt newest checkpoint is skipped for the newest intact one") {
  const std::string out = temp_dir("hostile_corrupt") + "/run";
  REQUIRE(std::system(("mkdir -p " + out + "/checkpoints").c_str()) == 0);
  RunFolder f = RunFolder::open(out, kStages);
  for (const char* name : {"predictive-0000003", "predictive-0000006", "inpainting-0000002", "inpainting-0000004"})
    write_safetensors(out + "/checkpoints/" + std::string(name) + ".safetensors", {{"w", Tensor::full({64}, 0.5)}}, {}, true);
  CHECK(f.latest_checkpoint() == out + "/checkpoints/inpainting-0000004.safetensors");
  // A flipped byte (checksum) in the newest, a truncated file (parse failure) in the next one.
  std::vector<uint8_t> b = read_bytes(out + "/checkpoints/inpainting-0000004.safetensors");
  b[b.size() - 3] ^= 0x40;
  write_bytes(out + "/checkpoints/inpainting-0000004.safetensors", b);
  b = read_bytes(out + "/checkpoints/inpainting-0000002.safetensors");
  b.resize(b.size() / 2);
  write_bytes(out + "/checkpoints/inpainting-0000002.safetensors", b);
  CHECK(f.latest_checkpoint() == out + "/checkpoints/predictive-0000006.safetensors");
  // All corrupt: none.
  for (const std::string& p : f.checkpoints()) write_bytes(p, {1, 2, 3});
  CHECK(f.latest_checkpoint().empty());
}
