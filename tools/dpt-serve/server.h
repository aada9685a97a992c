// dpt-serve's HTTP server (cpp-httplib): the embedded page and its JSON API over --runs and --data.
// Note [serve security]: binds 127.0.0.1 unless told otherwise; every path in a request is relative to
// --runs or --data and checked by resolve_inside (no "..", no encoded dots, no absolute paths, no symlink
// leading out); bodies are limited in size, inference in time; uploads go into a per-request temporary
// folder under the server's own temporary folder, which is removed when the server stops; nothing else is
// written.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "ops/device.h"

namespace dpt::serve {

struct ServeOptions {
  std::string runs;  // --runs DIR (required)
  std::string data;  // --data ROOT ("" = no dataset: uploads only)
  std::string host = "127.0.0.1";
  int port = 8080;                       // 0 = any free port (tests)
  int64_t max_body = int64_t(64) << 20;  // bytes of one request body
  double time_limit = 300;               // seconds one inference request may wait and run
  size_t max_queue = 16;                 // inference requests waiting at once
  Device device = Device::cpu();
};

class Server {
 public:
  explicit Server(ServeOptions opt);  // checks the folders; an Error naming the flag when one is missing
  ~Server();
  // Binds host:port (an Error when it cannot); returns the port bound.
  int bind();
  // Serves until stop() (blocking); call bind() first.
  void listen();
  void stop();
  const std::string& temp_dir() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dpt::serve
