// Issue 15 through the tools: absurd sizes and thread counts end with a message and an exit code in
// 1..125 (no crash, no hang); dpt-train's run folder: a second process refused naming the first's pid,
// a non-empty folder refused (writing nothing) unless --resume / --overwrite, a refused resume writing
// nothing, kill -9 + --resume auto giving every logged step once, and a dataset check that decodes.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "io/file_io.h"
#include "io/image.h"
#include "io/json.h"
#include "tests/test_io_util.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A clean refusal: a code in 1..125 (124 is `timeout`'s: a hang), and a message naming `what`.
void check_refused(const std::string& cmd, const std::vector<std::string>& parts) {
  CAPTURE(cmd);
  const CommandResult r = run_command("timeout 120 " + cmd);
  CHECK(r.code >= 1);
  CHECK(r.code <= 125);
  CHECK(r.code != 124);
  for (const std::string& p : parts) CHECK_MESSAGE(contains(r.err, p), "stderr lacks '" << p << "':\n" << r.err);
}

// A tiny dataset from dpt-synth: 5 training persons x 3 views at 32x32.
std::string make_data(const std::string& dir) {
  const CommandResult r = run_command(tool_path("dpt-synth") + " --out " + dir + " --persons 6 --views 3 --size 32x32" +
                                      " --tile 16 --test-persons 1 --threads 2 --quiet");
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return dir;
}

std::string train_cmd(const std::string& data, const std::string& out) {
  return tool_path("dpt-train") + " --preset tiny --data " + data + " --out " + out +
         " --vgg random --threads 2 --stages predictive --set checkpoint_every=5 --set keep_last=20";
}

// Starts `cmd` in the background (its stderr to err_path); returns its pid.
pid_t spawn(const std::string& cmd, const std::string& err_path) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string full = "exec " + cmd + " > /dev/null 2> " + err_path;
    execl("/bin/sh", "sh", "-c", full.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Polls until `ok` holds (or ~60 s pass); false on timeout.
template <class F>
bool wait_for(F ok) {
  for (int i = 0; i < 1200; ++i) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The steps of losses.jsonl, in file order.
std::vector<int64_t> logged_steps(const std::string& out) {
  std::vector<int64_t> steps;
  std::ifstream in(out + "/losses.jsonl");
  std::string line;
  while (std::getline(in, line)) steps.push_back(parse_json(line).at("step").as_int());
  return steps;
}

std::vector<int64_t> one_to(int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = 1; i <= n; ++i) v.push_back(i);
  return v;
}

// Every file under dir with its contents (directories as "name/").
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const std::string& p : list_files(dir)) {
    struct stat st;
    REQUIRE(stat(p.c_str(), &st) == 0);
    if (S_ISDIR(st.st_mode)) {
      out[p + "/"] = "";
      for (auto& kv : snapshot(p)) out.insert(kv);
    } else {
      out[p] = slurp(p);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("hostile/cli/absurd sizes end with a message, not a crash or a hang") {
  const std::string d = temp_dir("hostile_cli_sizes");
  const std::string data = make_data(d + "/data");
  const std::string img = data + "/train/p0000_v00.png", iuv = data + "/train_iuv/p0000_v00.png";
  REQUIRE(file_exists(img));
  for (const char* S : {"1073741824", "2147483647"})
    check_refused(tool_path("dpt-infer") + " --source " + img + " --source-iuv " + iuv + " --save-atlas " + d +
                      "/a.png --tile-size " + S,
                  {"--tile-size", S});
  check_refused(tool_path("dpt-train") + " --preset tiny --data " + data + " --out " + d + "/run --set S=1073741824",
                {"S", "1073741824"});
  CHECK_FALSE(file_exists(d + "/run/config.json"));
  check_refused(tool_path("dpt-bench") + " ops --batch 9223372036854775807", {"--batch", "9223372036854775807"});
}

TEST_CASE("hostile/cli/--threads 100000 is refused and the process exits") {
  const std::string d = temp_dir("hostile_cli_threads");
  const std::string data = make_data(d + "/data");
  const std::string img = data + "/train/p0000_v00.png", iuv = data + "/train_iuv/p0000_v00.png";
  check_refused(tool_path("dpt-infer") + " --threads 100000 --source " + img + " --source-iuv " + iuv +
                    " --save-atlas " + d + "/a.png",
                {"100000"});
  check_refused(train_cmd(data, d + "/run") + " --steps 1 --threads 100000", {"100000"});
  check_refused(tool_path("dpt-ablate") + " --threads 100000 --checkpoint " + d + "/none.safetensors --data " + data +
                    " --out " + d + "/ablate",
                {"100000"});
  CHECK_FALSE(file_exists(d + "/run/config.json"));
}

TEST_CASE("hostile/cli/dpt-train: a second process on the same --out is refused naming the first's pid") {
  const std::string d = temp_dir("hostile_cli_lock");
  const std::string data = make_data(d + "/data"), out = d + "/run";
  const pid_t first = spawn(train_cmd(data, out) + " --steps 100000", d + "/first.err");
  const bool locked = wait_for([&] { return slurp(out + "/.lock") == std::to_string(first) + "\n"; });
  if (locked) {
    const std::string pid = "pid " + std::to_string(first);
    check_refused(train_cmd(data, out) + " --steps 5 --resume auto", {"in use", pid});
    check_refused(train_cmd(data, out) + " --steps 5 --overwrite", {"in use", pid});
    check_refused(train_cmd(data, out) + " --steps 5", {"in use", pid});
  }
  kill(first, SIGKILL);
  int status = 0;
  REQUIRE(waitpid(first, &status, 0) == first);
  REQUIRE_MESSAGE(locked, "the first dpt-train never took the lock:\n" << slurp(d + "/first.err"));
  // Killed, its lock went with it: the run folder can be resumed.
  const CommandResult r = run_command("timeout 300 " + train_cmd(data, out) + " --steps 6 --resume auto");
  CHECK_MESSAGE(r.code == 0, r.err);
}

TEST_CASE("hostile/cli/dpt-train: kill -9, then --resume auto: every step logged once, temporaries gone") {
  const std::string d = temp_dir("hostile_cli_kill");
  const std::string data = make_data(d + "/data"), out = d + "/run";
  const pid_t pid = spawn(train_cmd(data, out) + " --steps 100000", d + "/first.err");
  // Killed some steps after its second checkpoint (so the log holds steps the checkpoint lacks).
  const bool reached = wait_for([&] { return file_exists(out + "/checkpoints/predictive-0000010.safetensors"); });
  if (reached) wait_for([&] { return logged_steps(out).size() >= 12; });
  kill(pid, SIGKILL);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE_MESSAGE(reached, slurp(d + "/first.err"));
  // What a kill during a save leaves behind (io/file_io.cpp names temporaries <file>.tmp.<pid>.<n>).
  const std::string tmp = out + "/checkpoints/predictive-0000015.safetensors.tmp." + std::to_string(pid) + ".3";
  write_bytes(tmp, {1, 2, 3});
  const CommandResult r = run_command("timeout 300 " + train_cmd(data, out) + " --steps 24 --resume auto");
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK_FALSE(file_exists(tmp));
  CHECK(logged_steps(out) == one_to(24));
  CHECK(contains(slurp(out + "/plots/predictive.svg"), "<svg"));
}

TEST_CASE("hostile/cli/dpt-train: a finished run is refused without --overwrite, a refused resume writes nothing") {
  const std::string d = temp_dir("hostile_cli_reuse");
  const std::string data = make_data(d + "/data"), out = d + "/run";
  CommandResult r = run_command("timeout 300 " + train_cmd(data, out) + " --steps 6");
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const auto finished = snapshot(out);
  check_refused(train_cmd(data, out) + " --steps 6", {out, "already holds a run", "--overwrite"});
  CHECK(snapshot(out) == finished);
  // A resume whose settings differ: refused before anything is written (config.json included).
  check_refused(train_cmd(data, out) + " --steps 8 --resume auto --set lr=0.5", {"lr"});
  CHECK(snapshot(out) == finished);
  check_refused(train_cmd(data, out) + " --steps 6 --overwrite --resume auto", {"--overwrite", "--resume"});
  CHECK(snapshot(out) == finished);
  // --overwrite: a new run with only its own records and checkpoints.
  write_bytes(out + "/notes.txt", {'h', 'i'});
  r = run_command("timeout 300 " + train_cmd(data, out) + " --steps 4 --overwrite");
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(logged_steps(out) == one_to(4));
  CHECK(list_files(out + "/checkpoints") == std::vector<std::string>{out + "/checkpoints/predictive-0000004.safetensors"});
  CHECK(file_exists(out + "/notes.txt"));  // not a file of the run: left alone
}

TEST_CASE("hostile/cli/dpt-train: the dataset check decodes every file before training") {
  const std::string d = temp_dir("hostile_cli_data");
  const std::string data = make_data(d + "/data");
  // A PNG whose header is intact but whose pixel data is cut off (a header-only check passes it).
  const std::string img = data + "/train/p0001_v01.png";
  std::vector<uint8_t> bytes = read_bytes(img);
  bytes.resize(bytes.size() / 2);
  write_bytes(img, bytes);
  check_refused(train_cmd(data, d + "/run") + " --steps 1", {"p0001_v01.png"});
  CHECK_FALSE(file_exists(d + "/run/config.json"));
  // An IUV map with a part index above 24.
  const std::string data2 = make_data(d + "/data2");
  Image8 bad = read_image(data2 + "/train_iuv/p0002_v00.png");
  bad.pixels[2] = 30;  // B = I in the DensePose channel order
  write_png(data2 + "/train_iuv/p0002_v00.png", bad);
  check_refused(train_cmd(data2, d + "/run2") + " --steps 1", {"p0002_v00.png", "part index 30"});
}
