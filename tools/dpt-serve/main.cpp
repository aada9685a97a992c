// dpt-serve: a local web page to watch training runs and try a trained model (server.h).
#include <csignal>
#include <cstdio>

#include "tools/common/cli.h"
#include "tools/dpt-serve/server.h"

using namespace dpt;

namespace {

const char* kUsage = R"(dpt-serve: a local web page to watch training runs and try trained models.

  dpt-serve --runs DIR [--data ROOT] [--port 8080] [--host 127.0.0.1]

Open http://127.0.0.1:8080/ in a browser. Two views:
  Runs    every run folder under DIR (DIR itself and its subfolders holding config.json or
          losses.jsonl): configuration, stage, step, ETA, loss curves (live while dpt-train writes),
          sample grids over the steps, evaluation files.
  Try it  pose transfer with any checkpoint (*.safetensors) under DIR, on a source and a target of the
          dataset ROOT (DeepFashion layout: ROOT/<split>/<name>, ROOT/<split>_iuv/<stem>.png) or on
          uploaded files; shows the output, the intermediates, the ground truth and its SSIM. The
          texture tool renders an atlas onto a target IUV map.

Options:
  --runs DIR            the folder of run folders (required)
  --data ROOT           a dataset for "Try it" (optional; without it, uploads only)
  --port N              the TCP port, 1..65535 (default 8080)
  --host ADDR           the address to bind (default 127.0.0.1: this machine only)
  --device cpu|cuda[:N] where the networks run (default cpu)
  --threads N           CPU threads, 0..256 (default: DPT_THREADS, else 0 = all cores)
  --max-upload-mb N     largest request body in MiB, 1..1024 (default 64)
  --time-limit S        seconds an inference request may wait and run, 1..86400 (default 300)
  --help                this text

Security: the server binds 127.0.0.1 by default. It has no login: --host 0.0.0.0 (or any other
address) lets everyone who reaches that address read the run folders and the dataset and use the CPU,
and prints a warning. Requests may name files only inside DIR and ROOT (no "..", no absolute paths, no
symlinks leading out); uploads go to a temporary folder that is removed; nothing else is written.
Networks run one request at a time in one worker thread; the model stays loaded between requests.
)";

serve::Server* g_server = nullptr;
void on_signal(int) {
  if (g_server) g_server->stop();
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<cli::Option> options = {{"--runs"},   {"--data"},    {"--port"},          {"--host"},
                                            {"--device"}, {"--threads"}, {"--max-upload-mb"}, {"--time-limit"}};
  return cli::run("dpt-serve", kUsage, argc, argv, options, 0, [](const cli::Args& a) {
    DPT_USAGE_CHECK(a.has("--runs"), "--runs DIR is required (the folder of run folders)");
    cli::apply_threads(a);
    serve::ServeOptions opt;
    opt.runs = a.get("--runs");
    opt.data = a.get("--data");
    opt.port = static_cast<int>(a.get_int("--port", 1, 65535, 8080));
    opt.host = a.get("--host", "127.0.0.1");
    DPT_USAGE_CHECK(!opt.host.empty(), "--host: empty address");
    opt.max_body = a.get_int("--max-upload-mb", 1, 1024, 64) << 20;
    opt.time_limit = a.get_real("--time-limit", 1, 86400, 300);
    opt.device = use_device(a.get("--device", "cpu"));
    if (opt.host != "127.0.0.1" && opt.host != "localhost" && opt.host != "::1")
      std::fprintf(stderr,
                   "dpt-serve: warning: --host %s makes the page reachable from other machines; it has no "
                   "login: anyone who reaches it can read the runs and the dataset and use this CPU\n",
                   opt.host.c_str());
    serve::Server server(opt);
    const int port = server.bind();
    g_server = &server;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::fprintf(stderr, "dpt-serve: serving %s on http://%s:%d/ (Ctrl-C stops)\n", opt.runs.c_str(), opt.host.c_str(),
                 port);
    server.listen();
    g_server = nullptr;
    return 0;
  });
}
