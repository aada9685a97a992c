// The shared command-line layer (see cli.h).
#include "tools/common/cli.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/threading.h"

namespace dpt::cli {

const char* const kHelpEpilogue =
    "\nenvironment:\n"
    "  DPT_THREADS=N        default of --threads (0..256, 0 = all cores)\n"
    "exit status: 0 success, 1 runtime error (a file, the data, the device), 2 usage error (unknown option,\n"
    "bad or missing value)\n";

int64_t parse_int(const std::string& what, const std::string& text, int64_t lo, int64_t hi) {
  // strtoll alone accepts " 2", "2x" (stopping early) and wraps nothing but says ERANGE: check all three.
  const char* s = text.c_str();
  const bool digits = !text.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) ||
                                        ((s[0] == '-' || s[0] == '+') && text.size() > 1 &&
                                         std::isdigit(static_cast<unsigned char>(s[1]))));
  char* end = nullptr;
  errno = 0;
  const long long v = digits ? std::strtoll(s, &end, 10) : 0;
  DPT_USAGE_CHECK(digits && end && *end == '\0',
                  what << ": expected an integer in " << lo << ".." << hi << ", got '" << text << "'");
  DPT_USAGE_CHECK(errno != ERANGE && v >= lo && v <= hi,
                  what << ": " << text << " is out of range " << lo << ".." << hi);
  return v;
}

double parse_real(const std::string& what, const std::string& text, double lo, double hi) {
  const char* s = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = text.empty() || std::isspace(static_cast<unsigned char>(s[0])) ? NAN : std::strtod(s, &end);
  DPT_USAGE_CHECK(end && *end == '\0' && std::isfinite(v) && errno != ERANGE,
                  what << ": expected a number in " << lo << ".." << hi << ", got '" << text << "'");
  DPT_USAGE_CHECK(v >= lo && v <= hi, what << ": " << text << " is out of range " << lo << ".." << hi);
  return v;
}

Args::Args(int argc, char** argv, const std::vector<Option>& spec, size_t max_positional) : spec_(spec) {
  auto find = [&](const std::string& name) -> const Option* {
    for (const Option& o : spec_)
      if (o.name == name) return &o;
    return nullptr;
  };
  program_ = argc > 0 ? argv[0] : "";
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.size() < 2 || word[0] != '-') {
      DPT_USAGE_CHECK(positional_.size() < max_positional, "unexpected argument '" << word << "'");
      positional_.push_back(word);
      continue;
    }
    std::string value;
    bool inline_value = false;
    const size_t eq = word.find('=');
    if (word.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = word.substr(eq + 1);
      word = word.substr(0, eq);
      inline_value = true;
    }
    const Option* opt = find(word);
    DPT_USAGE_CHECK(opt, "unknown option '" << word << "'");
    if (opt->kind == Kind::Flag) {
      DPT_USAGE_CHECK(!inline_value, word << " takes no value, got '" << value << "'");
    } else if (!inline_value) {
      DPT_USAGE_CHECK(i + 1 < argc, word << " needs a value");
      value = argv[++i];
    }
    given_.emplace_back(word, value);
  }
}

bool Args::has(const std::string& name) const {
  for (const auto& kv : given_)
    if (kv.first == name) return true;
  return false;
}

std::string Args::get(const std::string& name, const std::string& def) const {
  std::string v = def;
  for (const auto& kv : given_)
    if (kv.first == name) v = kv.second;
  return v;
}

std::vector<std::string> Args::all(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& kv : given_)
    if (kv.first == name) out.push_back(kv.second);
  return out;
}

int64_t Args::get_int(const std::string& name, int64_t lo, int64_t hi, int64_t def) const {
  int64_t v = def;
  for (const std::string& text : all(name)) v = parse_int(name, text, lo, hi);  // every one is checked
  return v;
}

double Args::get_real(const std::string& name, double lo, double hi, double def) const {
  double v = def;
  for (const std::string& text : all(name)) v = parse_real(name, text, lo, hi);
  return v;
}

std::string Args::get_choice(const std::string& name, const std::vector<std::string>& choices,
                             const std::string& def) const {
  std::string list;
  for (const std::string& c : choices) list += (list.empty() ? "" : ", ") + c;
  for (const std::string& v : all(name))
    DPT_USAGE_CHECK(std::find(choices.begin(), choices.end(), v) != choices.end(),
                    name << ": expected one of " << list << ", got '" << v << "'");
  return get(name, def);
}

void Args::only(const std::vector<std::string>& allowed, const std::string& mode) const {
  for (const auto& kv : given_) {
    bool ok = false;
    for (const std::string& a : allowed) ok = ok || a == kv.first;
    DPT_USAGE_CHECK(ok, kv.first << " is not used by " << mode);
  }
}

int threads_option(const Args& a) {
  if (a.has("--threads")) return static_cast<int>(a.get_int("--threads", 0, kMaxThreads, 0));
  const char* env = std::getenv("DPT_THREADS");
  if (env && *env) return static_cast<int>(parse_int("DPT_THREADS (environment)", env, 0, kMaxThreads));
  return 0;
}

int apply_threads(const Args& a) {
  set_num_threads(threads_option(a));
  return num_threads();
}

int run(const char* tool, const char* usage, int argc, char** argv, const std::vector<Option>& spec,
        size_t max_positional, const std::function<int(const Args&)>& body) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(usage, stdout);
      std::fputs(kHelpEpilogue, stdout);
      return kExitOk;
    }
  if (argc <= 1) {
    std::fputs(usage, stderr);
    std::fputs(kHelpEpilogue, stderr);
    std::fprintf(stderr, "%s: error: no arguments (see %s --help)\n", tool, tool);
    return kExitUsage;
  }
  try {
    return body(Args(argc, argv, spec, max_positional));
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: error: %s (see %s --help)\n", tool, e.what(), tool);
    return kExitUsage;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: error: out of memory\n", tool);
    return kExitError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", tool, e.what());
    return kExitError;
  }
}

}  // namespace dpt::cli
