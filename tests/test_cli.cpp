// The shared tool layer from inside: checked numbers and option parsing (tools/common/cli.h), the
// progress line off a terminal (core/progress.h), the image-name resolver (io/image_path.h) and mkdir -p
// (io/file_io.h). The tools' command lines themselves are tested in tests/cli_tests.cmake.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/progress.h"
#include "io/file_io.h"
#include "io/image_path.h"
#include "tests/test_util.h"
#include "tools/common/cli.h"

using namespace dpt;
using namespace dpt::test;

namespace {

// The UsageError message of fn, or "" when it throws nothing.
template <class F>
std::string usage_error(F fn) {
  try {
    fn();
  } catch (const cli::UsageError& e) {
    return e.what();
  }
  return "";
}

cli::Args parse(std::vector<std::string> words, const std::vector<cli::Option>& spec, size_t positional = 0) {
  words.insert(words.begin(), "tool");
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  return cli::Args(static_cast<int>(argv.size()), argv.data(), spec, positional);
}

// Everything fn writes to stderr.
template <class F>
std::string capture_stderr(F fn) {
  const std::string path = temp_dir("cli_stderr") + "/err.txt";
  std::fflush(stderr);
  const int saved = ::dup(2), fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE((saved >= 0 && fd >= 0));
  ::dup2(fd, 2);
  ::close(fd);
  fn();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("cli/parse_int: the whole text, in range, or an error naming the flag and the value") {
  CHECK(cli::parse_int("--n", "42", 0, 100) == 42);
  CHECK(cli::parse_int("--n", "-7", -10, 10) == -7);
  CHECK(cli::parse_int("--n", "+7", 0, 10) == 7);
  CHECK(cli::parse_int("--n", "0", 0, 0) == 0);
  CHECK(cli::parse_int("--n", "9223372036854775807", 0, INT64_MAX) == INT64_MAX);
  for (const char* bad : {"", " 1", "1 ", "2x", "1e3", "1.0", "0x10", "-", "+", "--1", "١"})
    CHECK(usage_error([&] { cli::parse_int("--n", bad, 0, 100); }) ==
          std::string("--n: expected an integer in 0..100, got '") + bad + "'");
  CHECK(usage_error([] { cli::parse_int("--threads", "2147483648", 0, 256); }) ==
        "--threads: 2147483648 is out of range 0..256");
  CHECK(usage_error([] { cli::parse_int("--batch", "9223372036854775808", 1, 1024); }) ==
        "--batch: 9223372036854775808 is out of range 1..1024");
  CHECK(usage_error([] { cli::parse_int("--n", "-9223372036854775809", 0, 10); }) ==
        "--n: -9223372036854775809 is out of range 0..10");
  CHECK(usage_error([] { cli::parse_int("--n", "-1", 0, 10); }) == "--n: -1 is out of range 0..10");
  CHECK(usage_error([] { cli::parse_int("--n", "11", 0, 10); }) == "--n: 11 is out of range 0..10");
}

TEST_CASE("cli/parse_real: finite numbers in range") {
  CHECK(cli::parse_real("--f", "0.25", 0, 1) == 0.25);
  CHECK(cli::parse_real("--f", ".5", 0, 1) == 0.5);
  CHECK(cli::parse_real("--f", "1e-3", 0, 1) == 1e-3);
  CHECK(cli::parse_real("--f", "1", 0, 1) == 1.0);
  for (const char* bad : {"", "nan", "inf", "-inf", "1e400", "0.5x", " 0.5", "half"})
    CHECK(usage_error([&] { cli::parse_real("--f", bad, 0, 1); }) ==
          std::string("--f: expected a number in 0..1, got '") + bad + "'");
  CHECK(usage_error([] { cli::parse_real("--f", "1.5", 0, 1); }) == "--f: 1.5 is out of range 0..1");
}

TEST_CASE("cli/Args: values, flags, repeated options, order and positional words") {
  using cli::Kind;
  const std::vector<cli::Option> spec = {{"--out"}, {"--quiet", Kind::Flag}, {"--set", Kind::Repeated}, {"--n"}};
  const cli::Args a = parse({"run", "--out", "d", "--set", "a=1", "--quiet", "--set=b=2", "--n=-3"}, spec, 1);
  CHECK(a.positional() == std::vector<std::string>{"run"});
  CHECK(a.get("--out") == "d");
  CHECK(a.has("--quiet"));
  CHECK_FALSE(a.has("--missing"));
  CHECK(a.get("--missing", "def") == "def");
  CHECK(a.all("--set") == std::vector<std::string>{"a=1", "b=2"});
  CHECK(a.given().size() == 5);
  CHECK(a.given()[1].first == "--set");  // command-line order is kept
  CHECK(usage_error([&] { a.get_int("--n", 0, 10, 0); }) == "--n: -3 is out of range 0..10");
  CHECK(a.get_int("--absent", 0, 10, 7) == 7);
  CHECK(usage_error([&] { a.get_choice("--out", {"x", "y"}, "x"); }) == "--out: expected one of x, y, got 'd'");
  CHECK(usage_error([&] { a.only({"--out", "--set", "--n"}, "mode m"); }) == "--quiet is not used by mode m");

  CHECK(usage_error([&] { parse({"--nope"}, spec); }) == "unknown option '--nope'");
  CHECK(usage_error([&] { parse({"--out"}, spec); }) == "--out needs a value");
  const cli::Args twice = parse({"--out", "a", "--out", "b", "--n", "x", "--n", "3"}, spec);
  CHECK(twice.get("--out") == "b");  // the last value counts (a script may append an override)
  CHECK(usage_error([&] { twice.get_int("--n", 0, 10, 0); }) == "--n: expected an integer in 0..10, got 'x'");
  CHECK(parse({"--n", "1", "--n", "3"}, spec).get_int("--n", 0, 10, 0) == 3);
  CHECK(usage_error([&] { parse({"--quiet=yes"}, spec); }) == "--quiet takes no value, got 'yes'");
  CHECK(usage_error([&] { parse({"word"}, spec); }) == "unexpected argument 'word'");
  CHECK(parse({"--n", "-1"}, spec).get("--n") == "-1");  // a value may start with '-'
}

TEST_CASE("cli/threads_option: --threads, else DPT_THREADS, capped at 256") {
  const std::vector<cli::Option> spec = {{"--threads"}};
  const char* saved = std::getenv("DPT_THREADS");
  const std::string saved_value = saved ? saved : "";
  ::unsetenv("DPT_THREADS");
  CHECK(cli::threads_option(parse({}, spec)) == 0);
  CHECK(cli::threads_option(parse({"--threads", "3"}, spec)) == 3);
  ::setenv("DPT_THREADS", "5", 1);
  CHECK(cli::threads_option(parse({}, spec)) == 5);
  CHECK(cli::threads_option(parse({"--threads", "3"}, spec)) == 3);
  ::setenv("DPT_THREADS", "4x", 1);
  CHECK(usage_error([&] { cli::threads_option(parse({}, spec)); }) ==
        "DPT_THREADS (environment): expected an integer in 0..256, got '4x'");
  ::setenv("DPT_THREADS", "", 1);
  CHECK(cli::threads_option(parse({}, spec)) == 0);  // empty: unset
  CHECK(usage_error([&] { cli::threads_option(parse({"--threads", "257"}, spec)); }) ==
        "--threads: 257 is out of range 0..256");
  if (saved) ::setenv("DPT_THREADS", saved_value.c_str(), 1);
  else ::unsetenv("DPT_THREADS");
}

TEST_CASE("cli/progress: off a terminal, whole lines: the first, every `every`-th and the last") {
  ::setenv("DPT_PROGRESS", "lines", 1);
  const std::string every = capture_stderr([] {
    Progress p("job", 5, 8, 2);
    for (int i = 1; i <= 5; ++i) p.update(i, std::vector<std::pair<std::string, double>>{{"loss", 0.5}});
    p.finish();
  });
  const std::string timed = capture_stderr([] {
    Progress p("job", 5);  // no `every`: at most a line per 10 s, so only the first and the last here
    for (int i = 1; i <= 5; ++i) p.update(i, "item" + std::to_string(i));
  });                      // the destructor finishes
  const std::string stopped = capture_stderr([] {
    Progress p("job", 5);
    p.update(1);
    p.update(3);  // not printed yet: finish() prints the state it stopped at
    p.finish();
    p.finish();
  });
  const std::string quiet = capture_stderr([] {
    Progress p("job", 5);
    p.set_enabled(false);
    p.update(5);
  });
  ::unsetenv("DPT_PROGRESS");
  auto lines = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string l; std::getline(ss, l);) out.push_back(l);
    return out;
  };
  for (const std::string& s : {every, timed, stopped}) CHECK(s.find('\r') == std::string::npos);
  const auto e = lines(every);
  REQUIRE(e.size() == 4);  // steps 1, 2, 4, 5
  CHECK(e[0].rfind("job [", 0) == 0);
  CHECK(e[0].find("] 1/5 loss 0.5 | ") != std::string::npos);
  CHECK(e[0].find(" img/s | ETA ") != std::string::npos);
  CHECK(e[1].find("] 2/5 ") != std::string::npos);
  CHECK(e[2].find("] 4/5 ") != std::string::npos);
  CHECK(e[3].find("[########################] 5/5 ") != std::string::npos);
  const auto t = lines(timed);
  REQUIRE(t.size() == 2);
  CHECK(t[0].find("] 1/5 item1 |") != std::string::npos);
  CHECK(t[1].find("] 5/5 item5 |") != std::string::npos);
  const auto s = lines(stopped);
  REQUIRE(s.size() == 2);
  CHECK(s[1].find("] 3/5 |") != std::string::npos);
  CHECK(quiet.empty());
}

TEST_CASE("cli/image_path: one resolver for .jpg/.jpeg/.png in either case") {
  CHECK(has_image_extension("a.JPG"));
  CHECK(has_image_extension("dir.x/a.jpeg"));
  CHECK_FALSE(has_image_extension("a.gif"));
  CHECK_FALSE(has_image_extension("a"));
  CHECK(image_stem("a.JPG") == "a");
  CHECK(image_stem("p.1.png") == "p.1");
  CHECK(image_stem("a.b") == "a.b");
  CHECK(image_name_candidates("a.png") ==
        std::vector<std::string>{"a.png", "a.jpg", "a.jpeg", "a.JPG", "a.JPEG", "a.PNG"});
  CHECK(image_name_candidates("a").front() == "a");
  CHECK(image_name_candidates("a").size() == 7);

  const std::string dir = temp_dir("cli_image_path");
  auto touch = [&](const std::string& name) { std::ofstream(dir + "/" + name) << "x"; };
  CHECK(find_image(dir, "a.jpg").empty());
  touch("a.JPG");
  CHECK(find_image(dir, "a.jpg") == dir + "/a.JPG");  // listed lower case, stored upper case
  CHECK(find_image(dir + "/", "a") == dir + "/a.JPG");
  touch("a.png");
  CHECK(find_image(dir, "a.png") == dir + "/a.png");  // the name as listed comes first
  CHECK(find_image(dir, "a") == dir + "/a.png");      // then .jpg, .jpeg, .png, then upper case
}

TEST_CASE("cli/make_dirs: mkdir -p, and an error naming the part that is in the way") {
  const std::string dir = temp_dir("cli_make_dirs");
  make_dirs(dir + "/a/b/c");
  make_dirs(dir + "/a/b/c/");  // existing: fine
  make_dirs(dir + "/a//b/./d");
  CHECK(::access((dir + "/a/b/c").c_str(), F_OK) == 0);
  CHECK(::access((dir + "/a/b/d").c_str(), F_OK) == 0);
  std::ofstream(dir + "/file") << "x";
  const std::string msg = error_of([&] { make_dirs(dir + "/file/sub"); });
  CHECK(contains(msg, dir + "/file exists and is not a folder"));
  CHECK(contains(error_of([] { make_dirs(""); }), "empty name"));
}
