// The command-line layer every dpt tool shares: option parsing, checked numbers, --threads / DPT_THREADS
// and the exit-code convention (Note [exit codes]).
//
// Why our own ~250 lines and not CLI11 (Debian's libcli11-dev): the tools' help texts are written by hand,
// grouped by mode with examples and conventions, which CLI11's generated option lists would flatten; the
// tools need only "--name value", "--name=value", flags, repeated options and one subcommand word; our
// errors name the flag, the value and the allowed range in the project's words ("--threads: expected an
// integer in 0..256, got '2x'") and map to our exit codes without translating CLI11's own codes (105-115);
// a fresh machine needs no extra package; and a 10,000-line header is not compiled into every tool.
//
// Note [exit codes]: every tool exits 0 on success, 1 on a runtime error (a missing or malformed file,
// bad data, a device that is not there, a full disk) and 2 on a usage error (an unknown option, a missing
// or malformed value, a value out of range, a missing required option). 130 after Ctrl-C (dpt-train).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace dpt::cli {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
// Upper bound of --threads and DPT_THREADS, the same on every machine so that a command line that works
// on one works on all; more threads than that only oversubscribes (and 100000 exhausts the process).
constexpr int kMaxThreads = 256;

// A bad command line: exit code 2. Errors thrown while the tool runs (dpt::Error) give exit code 1.
struct UsageError : Error {
  using Error::Error;
};

// DPT_USAGE_CHECK(cond, "--out is required"): throws UsageError with the streamed message.
#define DPT_USAGE_CHECK(cond, msg)                   \
  do {                                               \
    if (!(cond)) {                                   \
      std::ostringstream dpt_usage_os_;              \
      dpt_usage_os_ << msg;                          \
      throw ::dpt::cli::UsageError(dpt_usage_os_.str()); \
    }                                                \
  } while (0)

// Checked numbers: the whole text must be the number (no "2x", no "1e3" for an integer, no overflow) and
// lie in [lo, hi]; otherwise a UsageError naming `what` (the flag), the text and the range.
int64_t parse_int(const std::string& what, const std::string& text, int64_t lo, int64_t hi);
double parse_real(const std::string& what, const std::string& text, double lo, double hi);

enum class Kind { Value, Flag, Repeated };  // one value; no value; a value, any number of times
struct Option {
  std::string name;  // "--threads"
  Kind kind = Kind::Value;
};

// A parsed command line. Options are "--name value" or "--name=value" (a value may start with '-', so
// "--threads -1" reaches the range check); an unknown option, a missing value, a flag with a value or
// more positional words than allowed is a UsageError. An option given twice takes its last value (so a
// script can append an override), and the checked getters check every value given.
class Args {
 public:
  Args(int argc, char** argv, const std::vector<Option>& spec, size_t max_positional = 0);

  bool has(const std::string& name) const;
  std::string get(const std::string& name, const std::string& def = "") const;
  std::vector<std::string> all(const std::string& name) const;  // every value of name, in order
  // Every option as given, in command-line order ("" as the value of a flag).
  const std::vector<std::pair<std::string, std::string>>& given() const { return given_; }
  const std::vector<std::string>& positional() const { return positional_; }
  const std::string& program() const { return program_; }  // argv[0]

  int64_t get_int(const std::string& name, int64_t lo, int64_t hi, int64_t def) const;
  double get_real(const std::string& name, double lo, double hi, double def) const;
  // The value of name, which must be one of choices.
  std::string get_choice(const std::string& name, const std::vector<std::string>& choices,
                         const std::string& def) const;
  // A UsageError naming every option given that is not in allowed ("--tile-size is not used by ...").
  void only(const std::vector<std::string>& allowed, const std::string& mode) const;

 private:
  std::vector<Option> spec_;
  std::vector<std::pair<std::string, std::string>> given_;
  std::vector<std::string> positional_;
  std::string program_;
};

// --threads N, else DPT_THREADS, else 0 (all cores); 0..kMaxThreads, errors name the flag or the variable.
int threads_option(const Args& a);
// threads_option, handed to the engine's thread pool (core/threading); returns the thread count in use.
int apply_threads(const Args& a);

// Appended to every --help text by run(): the environment and the exit codes.
extern const char* const kHelpEpilogue;

// A tool's main: prints usage (plus kHelpEpilogue) for -h/--help (exit 0) and, on stderr, for an empty
// command line (exit 2, with an error line); parses argv against spec and calls body. A UsageError prints
// "<tool>: error: <message> (see <tool> --help)" and exits 2; any other exception prints
// "<tool>: error: <message>" and exits 1; otherwise body's return value.
int run(const char* tool, const char* usage, int argc, char** argv, const std::vector<Option>& spec,
        size_t max_positional, const std::function<int(const Args&)>& body);

}  // namespace dpt::cli
