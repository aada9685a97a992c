// dpt-serve's routes (see server.h and Note [serve security]).
#include "tools/dpt-serve/server.h"

#include <httplib.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "io/file_io.h"
#include "io/image_path.h"
#include "tools/dpt-serve/paths.h"
#include "tools/dpt-serve/runs.h"
#include "tools/dpt-serve/tryit.h"
#include "tools/dpt-serve/web_assets.h"
#include "tools/dpt-serve/worker.h"

namespace dpt::serve {

namespace {

// A request's own temporary folder, removed when the last holder (the handler or its queued job) is gone.
struct TempDir {
  std::string path;
  explicit TempDir(const std::string& parent) {
    std::string t = parent + "/req.XXXXXX";
    DPT_CHECK(::mkdtemp(&t[0]), "cannot create a temporary folder under " << parent);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A client's error: HTTP status and message.
struct HttpError : Error {
  int status;
  HttpError(int s, const std::string& m) : Error(m), status(s) {}
};

std::string error_json(const std::string& msg) {
  Json j = Json::object();
  j.set("error", msg);
  return j.dump();
}

std::string content_type(const std::string& path) {
  const std::string ext = file_extension(path);
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".json" || ext == ".jsonl") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".csv" || ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// An upload's file name made harmless: [A-Za-z0-9._-] only, no leading dot, at most 80 characters.
std::string safe_name(const std::string& name, const std::string& fallback) {
  std::string out;
  for (char c : name.substr(name.find_last_of("/\\") == std::string::npos ? 0 : name.find_last_of("/\\") + 1))
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  while (!out.empty() && out[0] == '.') out.erase(0, 1);
  if (out.size() > 80) out = out.substr(out.size() - 80);
  return out.empty() ? fallback : out;
}

// Replaces every occurrence of `from` in `s` (the temporary folder in messages shown to the page).
std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = 0; !from.empty() && (p = s.find(from, p)) != std::string::npos; p += to.size())
    s.replace(p, from.size(), to);
  return s;
}

}  // namespace

struct Server::Impl {
  ServeOptions opt;
  std::string temp;
  httplib::Server http;
  TryIt tryit;
  std::unique_ptr<Worker> worker_;  // reset first on shutdown: its job may still use the temporary folder
  Worker& worker;
  int port = 0;

  explicit Impl(ServeOptions o)
      : opt(std::move(o)), tryit(opt.device), worker_(std::make_unique<Worker>(opt.max_queue)), worker(*worker_) {
    opt.runs = real_dir(opt.runs, "--runs");
    if (!opt.data.empty()) opt.data = real_dir(opt.data, "--data");
    const char* tmp = std::getenv("TMPDIR");
    std::string t = std::string(tmp && *tmp ? tmp : "/tmp") + "/dpt-serve.XXXXXX";
    DPT_CHECK(::mkdtemp(&t[0]), "cannot create a temporary folder (" << t << ")");
    temp = t;
    routes();
  }
  ~Impl() {
    worker_.reset();  // finishes the running job (a request past its time limit), drops the queued ones
    std::error_code ec;
    std::filesystem::remove_all(temp, ec);
  }

  const std::string& data_root() const {
    if (opt.data.empty()) throw HttpError(400, "no dataset: start dpt-serve with --data ROOT, or upload files");
    return opt.data;
  }

  static std::string param(const httplib::Request& req, const std::string& name) {
    if (req.has_param(name.c_str())) return req.get_param_value(name.c_str());
    if (req.has_file(name.c_str())) {
      const auto f = req.get_file_value(name.c_str());
      if (f.filename.empty()) return f.content;  // a plain form field
    }
    return "";
  }
  static bool has_upload(const httplib::Request& req, const std::string& name) {
    return req.has_file(name.c_str()) && !req.get_file_value(name.c_str()).filename.empty();
  }
  // Writes upload `name` into dir/<name>/<its file name> and returns that path.
  static std::string save_upload(const httplib::Request& req, const std::string& name, const std::string& dir) {
    const auto f = req.get_file_value(name.c_str());
    DPT_CHECK(!f.content.empty(), name << ": the uploaded file " << f.filename << " is empty");
    const std::string sub = dir + "/" + name;
    make_dirs(sub);
    const std::string path = sub + "/" + safe_name(f.filename, name);
    write_file_atomic(path, f.content.data(), f.content.size());
    return path;
  }

  // resolve_inside, or "" when the file does not exist (a path leaving the root is still refused).
  static std::string optional_inside(const std::string& root, const std::string& rel) {
    try {
      return resolve_inside(root, rel);
    } catch (const PathRefused&) {
      throw;
    } catch (const Error&) {
      return "";
    }
  }

  // Runs `job` on the worker and waits at most the time limit; the answer is its JSON.
  void run_job(httplib::Response& res, std::function<Json()> job, const std::string& work_dir) {
    std::future<Json> fut;
    try {
      fut = worker.submit(std::move(job));
    } catch (const Error& e) {
      throw HttpError(503, e.what());
    }
    if (fut.wait_for(std::chrono::duration<double>(opt.time_limit)) != std::future_status::ready)
      throw HttpError(504, "the request did not finish within the time limit (" + std::to_string(opt.time_limit) +
                               " s; see dpt-serve --time-limit)");
    try {
      res.set_content(fut.get().dump(), "application/json");
    } catch (const Error& e) {
      // The CLI readers' messages, with the request's temporary folder left out of the file names.
      throw HttpError(400, replace_all(e.what(), work_dir + "/", ""));
    }
  }

  template <class F>
  httplib::Server::Handler guarded(F f) {
    return [f](const httplib::Request& req, httplib::Response& res) {
      try {
        f(req, res);
      } catch (const HttpError& e) {
        res.status = e.status;
        res.set_content(error_json(e.what()), "application/json");
      } catch (const PathRefused& e) {
        res.status = 403;
        res.set_content(error_json(e.what()), "application/json");
      } catch (const std::exception& e) {
        res.status = 404;
        res.set_content(error_json(e.what()), "application/json");
      }
    };
  }

  void send_file(httplib::Response& res, const std::string& path) {
    const std::vector<uint8_t> b = read_file_bytes(path, uint64_t(256) << 20);
    res.set_content(std::string(b.begin(), b.end()), content_type(path).c_str());
  }

  void routes() {
    for (const WebAsset& a : web_assets()) {
      const std::string body(reinterpret_cast<const char*>(a.data), a.size), type = a.type;
      auto h = [body, type](const httplib::Request&, httplib::Response& res) { res.set_content(body, type.c_str()); };
      http.Get(a.path, h);
      if (std::string(a.path) == "/index.html") http.Get("/", h);
    }
    http.Get("/api/runs", guarded([this](const httplib::Request&, httplib::Response& res) {
               res.set_content(list_runs(opt.runs).dump(), "application/json");
             }));
    http.Get("/api/losses", guarded([this](const httplib::Request& req, httplib::Response& res) {
               const std::string run = param(req, "run").empty() ? "." : param(req, "run");
               const std::string dir = run == "." ? opt.runs : resolve_inside(opt.runs, run);
               const std::string off = param(req, "offset");
               res.set_content(read_losses(dir, off.empty() ? 0 : std::atoll(off.c_str())).dump(), "application/json");
             }));
    http.Get("/api/file", guarded([this](const httplib::Request& req, httplib::Response& res) {
               send_file(res, resolve_inside(opt.runs, param(req, "path")));
             }));
    http.Get("/api/data/file", guarded([this](const httplib::Request& req, httplib::Response& res) {
               send_file(res, resolve_inside(data_root(), param(req, "path")));
             }));
    http.Get("/api/data",
             guarded([this](const httplib::Request& req, httplib::Response& res) { list_data(req, res); }));
    http.Get("/api/status", guarded([this](const httplib::Request&, httplib::Response& res) {
               const Worker::Stats s = worker.stats();
               Json j = Json::object();
               j.set("queued", s.queued);
               j.set("done", s.done);
               j.set("max_parallel", s.max_parallel);
               j.set("model_loads", tryit.loads());
               j.set("data", !opt.data.empty());
               j.set("max_body", opt.max_body);
               res.set_content(j.dump(), "application/json");
             }));
    http.Post("/api/transfer",
              guarded([this](const httplib::Request& req, httplib::Response& res) { transfer(req, res); }));
    http.Post("/api/render",
              guarded([this](const httplib::Request& req, httplib::Response& res) { render(req, res); }));
    http.set_payload_max_length(static_cast<size_t>(opt.max_body));
    http.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      const std::string msg = res.status == 413
                                  ? "the request is larger than the limit of " + std::to_string(opt.max_body) +
                                        " bytes (dpt-serve --max-upload-mb)"
                              : res.status == 404 ? "no such page"
                                                  : "HTTP error " + std::to_string(res.status);
      res.set_content(error_json(msg), "application/json");
    });
  }

  // Image names of <data>/<split>/ containing q (case-insensitive), at most `limit`; plus the splits.
  void list_data(const httplib::Request& req, httplib::Response& res) {
    Json out = Json::object();
    Json splits = Json::array(), names = Json::array();
    if (!opt.data.empty()) {
      for (const char* s : {"test", "train"})
        if (std::filesystem::is_directory(opt.data + "/" + s)) splits.push_back(s);
      const std::string split = param(req, "split").empty() ? "test" : param(req, "split");
      const std::string dir = resolve_inside(opt.data, split);
      std::string q = param(req, "q");
      for (char& c : q) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const int64_t limit = param(req, "limit").empty() ? 60 : std::atoll(param(req, "limit").c_str());
      std::vector<std::string> all;
      for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const std::string n = e.path().filename().string(), ext = file_extension(n);
        if (ext != ".png" && ext != ".jpg" && ext != ".jpeg") continue;
        std::string low = n;
        for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (low.find(q) != std::string::npos) all.push_back(n);
      }
      std::sort(all.begin(), all.end());
      for (size_t i = 0; i < all.size() && static_cast<int64_t>(i) < limit; ++i) names.push_back(all[i]);
      out.set("total", static_cast<int64_t>(all.size()));
    }
    out.set("splits", splits);
    out.set("names", names);
    res.set_content(out.dump(), "application/json");
  }

  // Dataset pair (split, source, target names) or uploads (source_image, source_iuv, target_iuv).
  void transfer(const httplib::Request& req, httplib::Response& res) {
    const std::string ck = param(req, "checkpoint");
    if (ck.empty()) throw HttpError(400, "checkpoint: choose a checkpoint");
    TransferFiles f;
    f.checkpoint = resolve_inside(opt.runs, ck);
    auto work = std::make_shared<TempDir>(temp);
    if (has_upload(req, "keypoints")) {  // SCA-GAN: source image, annotation CSV, its two row names
      if (!has_upload(req, "source_image")) throw HttpError(400, "source_image: missing upload");
      f.source = save_upload(req, "source_image", work->path);
      f.keypoints = save_upload(req, "keypoints", work->path);
      f.source_name =
          param(req, "source_name").empty() ? req.get_file_value("source_image").filename : param(req, "source_name");
      f.target_name = param(req, "target_name");
      if (f.target_name.empty()) throw HttpError(400, "target_name: the target's row in the keypoints CSV");
    } else if (has_upload(req, "source_image") || has_upload(req, "source_iuv") || has_upload(req, "target_iuv")) {
      for (const char* n : {"source_image", "source_iuv", "target_iuv"})
        if (!has_upload(req, n))
          throw HttpError(400, std::string(n) +
                                   ": missing upload (source image, its IUV map "
                                   "and the target IUV map are all needed)");
      f.source = save_upload(req, "source_image", work->path);
      f.source_iuv = save_upload(req, "source_iuv", work->path);
      f.target_iuv = save_upload(req, "target_iuv", work->path);
    } else {
      const std::string split = param(req, "split").empty() ? "test" : param(req, "split");
      const std::string src = param(req, "source"), tgt = param(req, "target");
      if (src.empty() || tgt.empty()) throw HttpError(400, "choose a source and a target (or upload files)");
      const std::string& root = data_root();
      f.source = resolve_inside(root, split + "/" + src);
      f.target_image = resolve_inside(root, split + "/" + tgt);
      // Whichever the checkpoint's family needs: IUV maps (DPT) or the keypoints CSV (SCA-GAN).
      f.source_iuv = optional_inside(root, split + "_iuv/" + image_stem(src) + ".png");
      f.target_iuv = optional_inside(root, split + "_iuv/" + image_stem(tgt) + ".png");
      f.keypoints = optional_inside(root, "fasion-resize-annotation-" + split + ".csv");
      f.source_name = src;
      f.target_name = tgt;
    }
    run_job(
        res, [this, f, work] { return tryit.transfer(f, work->path); }, work->path);
  }

  // Texture tool: atlas upload (or data path "atlas"), target IUV upload (or dataset split + target).
  void render(const httplib::Request& req, httplib::Response& res) {
    auto work = std::make_shared<TempDir>(temp);
    std::string atlas, iuv;
    if (has_upload(req, "atlas"))
      atlas = save_upload(req, "atlas", work->path);
    else if (!param(req, "atlas").empty())
      atlas = resolve_inside(data_root(), param(req, "atlas"));
    else
      throw HttpError(400, "atlas: upload an atlas image (6S x 4S pixels)");
    if (has_upload(req, "target_iuv"))
      iuv = save_upload(req, "target_iuv", work->path);
    else if (!param(req, "target").empty()) {
      const std::string split = param(req, "split").empty() ? "test" : param(req, "split");
      iuv = resolve_inside(data_root(), split + "_iuv/" + image_stem(param(req, "target")) + ".png");
    } else
      throw HttpError(400, "target_iuv: upload a target IUV map or choose a target");
    run_job(
        res, [this, atlas, iuv, work] { return tryit.render(atlas, iuv, work->path); }, work->path);
  }
};

Server::Server(ServeOptions opt) : impl_(std::make_unique<Impl>(std::move(opt))) {}
Server::~Server() = default;

int Server::bind() {
  Impl& m = *impl_;
  if (m.opt.port == 0) {
    m.port = m.http.bind_to_any_port(m.opt.host.c_str());
    DPT_CHECK(m.port > 0, "cannot bind " << m.opt.host << " (any port)");
  } else {
    DPT_CHECK(m.http.bind_to_port(m.opt.host.c_str(), m.opt.port),
              "cannot bind " << m.opt.host << ":" << m.opt.port << " (in use? try --port)");
    m.port = m.opt.port;
  }
  return m.port;
}

void Server::listen() { impl_->http.listen_after_bind(); }
void Server::stop() { impl_->http.stop(); }
const std::string& Server::temp_dir() const { return impl_->temp; }

}  // namespace dpt::serve
