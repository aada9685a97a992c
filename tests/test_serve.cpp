// dpt-serve's HTTP API on a loopback port (tools/dpt-serve/server.h): the run list, the losses read
// incrementally, inference whose output PNG has dpt-infer's bytes, malformed uploads with the readers'
// messages, oversized bodies, path traversal (.., %2e%2e, absolute, a symlink out), queued concurrent
// requests. Built only when cpp-httplib is present (tests/serve_tests.cmake defines DPT_HAVE_SERVE).
#ifdef DPT_HAVE_SERVE
#include <doctest/doctest.h>
#include <httplib.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "core/rng.h"
#include "io/file_io.h"
#include "io/image.h"
#include "io/iuv.h"
#include "io/json.h"
#include "models/dpt/checkpoint.h"
#include "models/sca/checkpoint.h"
#include "tests/test_util.h"
#include "tools/dpt-serve/server.h"

using namespace dpt;
using namespace dpt::test;

namespace {

// An IUV map [3, H, W]: parts 1..24 in a 6 x 4 grid of cells over a centred box (rotated by `shift`),
// U and V ramps inside each cell, in steps of 1/255 as a PNG stores them.
Tensor grid_iuv(int64_t H, int64_t W, int shift) {
  Tensor t = Tensor::zeros({3, H, W});
  float* p = t.data<float>();
  for (int64_t y = H / 8; y < H - H / 8; ++y)
    for (int64_t x = W / 6; x < W - W / 6; ++x) {
      const double fy = double(y - H / 8) / (H - H / 4) * 6, fx = double(x - W / 6) / (W - W / 3) * 4;
      const int r = static_cast<int>(fy), c = static_cast<int>(fx);
      p[y * W + x] = static_cast<float>(1 + (r * 4 + c + shift) % 24);
      p[H * W + y * W + x] = static_cast<float>(std::floor((fx - c) * 255) / 255);
      p[2 * H * W + y * W + x] = static_cast<float>(std::floor((fy - r) * 255) / 255);
    }
  return t;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

std::string read_text(const std::string& path) {
  const std::vector<uint8_t> b = read_file_bytes(path);
  return std::string(b.begin(), b.end());
}

std::string unbase64(const std::string& s) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::string out;
  int bits = 0;
  uint32_t acc = 0;  // only the low 14 bits matter; unsigned and masked so the shift never overflows
  for (char c : s) {
    const int v = val(c);
    if (v < 0) break;
    acc = ((acc << 6) | static_cast<uint32_t>(v)) & 0xffffffu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// A run folder, a dataset, a secret outside both, and a server on a free loopback port.
struct Fixture {
  std::string root, runs, data;
  std::unique_ptr<serve::Server> server;
  std::thread thread;
  int port = 0;

  explicit Fixture(int64_t max_body = int64_t(8) << 20, double time_limit = 300) {
    root = temp_dir("serve");
    runs = root + "/runs";
    data = root + "/data";
    make_dirs(runs + "/runA/samples");
    make_dirs(data + "/test");
    make_dirs(data + "/test_iuv");
    make_dirs(root + "/secret");
    write_text(root + "/secret/secret.txt", "SECRET");
    write_text(runs + "/runA/config.json", R"({"family":"dpt","predictive_steps":10})");
    make_dirs(runs + "/group/runB");  // a run two levels down (as out/demo/sca/<variant>)
    write_text(runs + "/group/runB/config.json",
               R"({"family":"sca","epoch_size":5,"isn_batch":2,"isn_niter":1,"isn_niter_decay":2})");
    write_text(runs + "/group/runB/losses.jsonl", "{\"stage\":\"isnet\",\"step\":3,\"L1\":0.5,\"time\":6.0}\n");
    write_text(runs + "/runA/losses.jsonl",
               "{\"stage\":\"predictive\",\"step\":1,\"loss\":1.0,\"L1\":1.0,\"time\":0.5}\n"
               "{\"stage\":\"predictive\",\"step\":2,\"loss\":0.8,\"L1\":0.8,\"time\":1.0}\n");
    write_png(runs + "/runA/samples/predictive-2.png", random_image(8, 8, 3));
    REQUIRE(::symlink((root + "/secret").c_str(), (runs + "/runA/escape").c_str()) == 0);
    Generator gen(42);
    DensePoseTransfer model(tiny_dpt_config(), gen);
    save_checkpoint(runs + "/runA/model.safetensors", model);
    write_png(data + "/test/a.png", random_image(32, 32, 5));
    write_png(data + "/test/b.png", random_image(32, 32, 6));
    write_iuv(data + "/test_iuv/a.png", grid_iuv(32, 32, 0));
    write_iuv(data + "/test_iuv/b.png", grid_iuv(32, 32, 7));
    serve::ServeOptions opt;
    opt.runs = runs;
    opt.data = data;
    opt.port = 0;
    opt.max_body = max_body;
    opt.time_limit = time_limit;
    server = std::make_unique<serve::Server>(opt);
    port = server->bind();
    thread = std::thread([this] { server->listen(); });
  }
  ~Fixture() {
    server->stop();
    thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(120, 0);
    return c;
  }
};

Json body_json(const httplib::Result& r) {
  REQUIRE(r);
  return parse_json(r->body, "response");
}

httplib::MultipartFormDataItems dataset_pair() {
  return {{"checkpoint", "runA/model.safetensors", "", ""},
          {"split", "test", "", ""},
          {"source", "a.png", "", ""},
          {"target", "b.png", "", ""}};
}

}  // namespace

TEST_CASE("serve/api/runs_and_files") {
  Fixture fx;
  auto c = fx.client();
  auto r = c.Get("/api/runs");
  REQUIRE(r);
  CHECK(r->status == 200);
  const Json runs = body_json(r);
  REQUIRE(runs.size() == 2);
  CHECK(runs.as_array()[0].at("name").as_string() == "group/runB");
  CHECK(runs.as_array()[0].at("family").as_string() == "sca");
  CHECK(runs.as_array()[0].at("stage_steps").as_number() == 9);                      // 3 epochs of ceil(5 / 2) steps
  CHECK(runs.as_array()[0].at("eta_seconds").as_number() == doctest::Approx(12.0));  // 2 s per step, 6 left
  const Json& run = runs.as_array()[1];
  CHECK(run.at("name").as_string() == "runA");
  CHECK(run.at("family").as_string() == "dpt");
  CHECK(run.at("stage").as_string() == "predictive");
  CHECK(run.at("step").as_number() == 2);
  CHECK(run.at("eta_seconds").as_number() == doctest::Approx(4.0));  // 0.5 s per step, 8 steps left
  REQUIRE(run.at("samples").size() == 1);
  CHECK(run.at("samples").as_array()[0].as_string() == "samples/predictive-2.png");
  CHECK(run.at("checkpoints").as_array()[0].as_string() == "model.safetensors");
  auto f = c.Get("/api/file?path=runA/samples/predictive-2.png");
  REQUIRE(f);
  CHECK(f->status == 200);
  CHECK(f->body == read_text(fx.runs + "/runA/samples/predictive-2.png"));
  auto page = c.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body.find("<canvas id=\"loss-chart\"") != std::string::npos);
  auto js = c.Get("/app.js");
  REQUIRE(js);
  CHECK(js->status == 200);
  CHECK(js->get_header_value("Content-Type").find("javascript") != std::string::npos);
}

TEST_CASE("serve/api/losses_stream") {
  Fixture fx;
  auto c = fx.client();
  Json first = body_json(c.Get("/api/losses?run=runA&offset=0"));
  CHECK(first.at("records").size() == 2);
  const int64_t off = first.at("offset").as_int();
  CHECK(off == static_cast<int64_t>(read_text(fx.runs + "/runA/losses.jsonl").size()));
  // dpt-train appends a record and is mid-way through the next: only the complete line is returned.
  {
    std::ofstream log(fx.runs + "/runA/losses.jsonl", std::ios::app);
    log << "{\"stage\":\"predictive\",\"step\":3,\"loss\":0.7,\"L1\":0.7,\"time\":1.5}\n{\"stage\":\"pred";
  }
  Json second = body_json(c.Get("/api/losses?run=runA&offset=" + std::to_string(off)));
  REQUIRE(second.at("records").size() == 1);
  CHECK(second.at("records").as_array()[0].at("step").as_number() == 3);
  {
    std::ofstream log(fx.runs + "/runA/losses.jsonl", std::ios::app);
    log << "ictive\",\"step\":4,\"loss\":0.6,\"time\":2.0}\n";
  }
  Json third = body_json(c.Get("/api/losses?run=runA&offset=" + std::to_string(second.at("offset").as_int())));
  REQUIRE(third.at("records").size() == 1);
  CHECK(third.at("records").as_array()[0].at("step").as_number() == 4);
  CHECK(body_json(c.Get("/api/runs")).as_array()[1].at("step").as_number() == 4);
}

TEST_CASE("serve/api/transfer_matches_dpt_infer") {
  Fixture fx;
  auto c = fx.client();
  const std::string out = fx.root + "/cli.png";
  const CommandResult cli =
      run_command(tool_path("dpt-infer") + " --checkpoint " + fx.runs + "/runA/model.safetensors --source " + fx.data +
                  "/test/a.png --source-iuv " + fx.data + "/test_iuv/a.png --target-iuv " + fx.data +
                  "/test_iuv/b.png --out " + out);
  REQUIRE_MESSAGE(cli.code == 0, cli.err);
  const std::string expected = read_text(out);

  auto r = c.Post("/api/transfer", dataset_pair());
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  Json j = parse_json(r->body);
  CHECK(unbase64(j.at("output").as_string()) == expected);
  for (const char* n : {"y_p", "y_w", "r", "atlas_source", "atlas_inpainted", "atlas_full"})
    CHECK_MESSAGE(j.at("intermediates").contains(n), n);
  CHECK(unbase64(j.at("ground_truth").as_string()) == read_text(fx.data + "/test/b.png"));
  const double ssim = j.at("ssim").as_number();
  CHECK(ssim > -1.0);
  CHECK(ssim < 1.0);

  // The same pair uploaded: the same bytes, and the model was not loaded again.
  httplib::MultipartFormDataItems up = {
      {"checkpoint", "runA/model.safetensors", "", ""},
      {"source_image", read_text(fx.data + "/test/a.png"), "a.png", "image/png"},
      {"source_iuv", read_text(fx.data + "/test_iuv/a.png"), "a_iuv.png", "image/png"},
      {"target_iuv", read_text(fx.data + "/test_iuv/b.png"), "b_iuv.png", "image/png"}};
  auto r2 = c.Post("/api/transfer", up);
  REQUIRE(r2);
  REQUIRE_MESSAGE(r2->status == 200, r2->body);
  CHECK(unbase64(parse_json(r2->body).at("output").as_string()) == expected);
  CHECK(body_json(c.Get("/api/status")).at("model_loads").as_int() == 1);
}

// SCA-GAN: the reference's tiny checkpoint (tests/data/golden/sca), an uploaded image and keypoints CSV;
// the output has the bytes of dpt-infer's SCA-GAN mode with its defaults (XDoG edges, seed 0).
TEST_CASE("serve/api/sca_transfer_matches_dpt_infer") {
  const std::string weights = test_data_dir() + "/golden/sca/tiny_weights.safetensors";
  REQUIRE_MESSAGE(file_exists(weights), weights);
  Fixture fx;
  const std::string ck = fx.runs + "/group/runB/model.safetensors";
  const std::string bytes = read_text(weights);
  write_file_atomic(ck, bytes.data(), bytes.size());
  const ScaConfig cfg = load_sca_model(ck, false)->cfg;
  const int H = static_cast<int>(cfg.H), W = static_cast<int>(cfg.W);
  write_png(fx.root + "/src.png", random_image(H, W, 11, ImagePattern::Smooth));
  std::string ys1, xs1, ys2, xs2;
  for (int j = 0; j < 18; ++j) {
    const char* sep = j ? ", " : "";
    ys1 += sep + std::to_string((3 + 5 * j) % H), xs1 += sep + std::to_string((2 + 3 * j) % W);
    ys2 += sep + std::to_string((7 + 4 * j) % H), xs2 += sep + std::to_string((5 + 2 * j) % W);
  }
  write_text(fx.root + "/kp.csv", "name:keypoints_y:keypoints_x\nsrc.png: [" + ys1 + "]: [" + xs1 + "]\ntgt.png: [" +
                                      ys2 + "]: [" + xs2 + "]\n");
  const CommandResult cli =
      run_command(tool_path("dpt-infer") + " --checkpoint " + ck + " --source " + fx.root + "/src.png --keypoints " +
                  fx.root + "/kp.csv --target-name tgt.png --out " + fx.root + "/cli.png");
  REQUIRE_MESSAGE(cli.code == 0, cli.err);
  auto c = fx.client();
  auto r = c.Post("/api/transfer", httplib::MultipartFormDataItems{
                                       {"checkpoint", "group/runB/model.safetensors", "", ""},
                                       {"source_image", read_text(fx.root + "/src.png"), "src.png", "image/png"},
                                       {"keypoints", read_text(fx.root + "/kp.csv"), "kp.csv", "text/csv"},
                                       {"target_name", "tgt.png", "", ""}});
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  const Json j = parse_json(r->body);
  CHECK(j.at("family").as_string() == "sca");
  CHECK(unbase64(j.at("output").as_string()) == read_text(fx.root + "/cli.png"));
  for (const char* n : {"source_edges", "generated_target_edges", "target_heatmaps"})
    CHECK_MESSAGE(j.at("intermediates").contains(n), n);
  // A row that is not in the CSV: the CLI's message.
  auto bad = c.Post("/api/transfer", httplib::MultipartFormDataItems{
                                         {"checkpoint", "group/runB/model.safetensors", "", ""},
                                         {"source_image", read_text(fx.root + "/src.png"), "src.png", "image/png"},
                                         {"keypoints", read_text(fx.root + "/kp.csv"), "kp.csv", "text/csv"},
                                         {"target_name", "nobody.png", "", ""}});
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(parse_json(bad->body).at("error").as_string().find("no keypoints for 'nobody.png'") != std::string::npos);
}

TEST_CASE("serve/api/malformed_uploads") {
  Fixture fx;
  auto c = fx.client();
  const std::string png = read_text(fx.data + "/test/a.png"), iuv = read_text(fx.data + "/test_iuv/a.png");
  // Not an image: the reader's message, naming the uploaded file, never the server's temporary folder.
  write_text(fx.root + "/notes.png", "hello, not a PNG");
  const CommandResult cli =
      run_command(tool_path("dpt-infer") + " --checkpoint " + fx.runs + "/runA/model.safetensors --source " + fx.root +
                  "/notes.png --source-iuv " + fx.data + "/test_iuv/a.png --target-iuv " + fx.data +
                  "/test_iuv/b.png --out " + fx.root + "/x.png");
  CHECK(cli.code == 1);
  auto r =
      c.Post("/api/transfer", httplib::MultipartFormDataItems{{"checkpoint", "runA/model.safetensors", "", ""},
                                                              {"source_image", "hello, not a PNG", "notes.png", ""},
                                                              {"source_iuv", iuv, "a_iuv.png", ""},
                                                              {"target_iuv", iuv, "b_iuv.png", ""}});
  REQUIRE(r);
  CHECK(r->status == 400);
  const std::string msg = parse_json(r->body).at("error").as_string();
  CHECK(msg.find("notes.png") != std::string::npos);
  CHECK(msg.find(fx.server->temp_dir()) == std::string::npos);
  // The CLI's message for the same file, with the file's folder left out, is the page's message.
  const std::string cli_msg = cli.err.substr(cli.err.find("error: ") + 7);
  std::string cli_tail = cli_msg;
  for (size_t p; (p = cli_tail.find(fx.root + "/")) != std::string::npos;) cli_tail.erase(p, fx.root.size() + 1);
  CHECK_MESSAGE(cli_tail.find(msg.substr(msg.find("notes.png"), 40)) != std::string::npos,
                "page: " << msg << "\ncli: " << cli_tail);
  // An image passed as an IUV map (parts above 24): the IUV reader's message.
  auto r2 = c.Post("/api/transfer", httplib::MultipartFormDataItems{{"checkpoint", "runA/model.safetensors", "", ""},
                                                                    {"source_image", png, "a.png", ""},
                                                                    {"source_iuv", png, "photo.png", ""},
                                                                    {"target_iuv", iuv, "b_iuv.png", ""}});
  REQUIRE(r2);
  CHECK(r2->status == 400);
  CHECK(parse_json(r2->body).at("error").as_string().find("photo.png") != std::string::npos);
  // A missing part, an empty file, no checkpoint.
  auto r3 = c.Post("/api/transfer", httplib::MultipartFormDataItems{{"checkpoint", "runA/model.safetensors", "", ""},
                                                                    {"source_image", png, "a.png", ""}});
  REQUIRE(r3);
  CHECK(r3->status == 400);
  CHECK(parse_json(r3->body).at("error").as_string().find("source_iuv") != std::string::npos);
  auto r4 =
      c.Post("/api/transfer", httplib::MultipartFormDataItems{
                                  {"split", "test", "", ""}, {"source", "a.png", "", ""}, {"target", "b.png", "", ""}});
  REQUIRE(r4);
  CHECK(r4->status == 400);
  // A target IUV of another size: the size check's message.
  write_iuv(fx.root + "/small.png", grid_iuv(16, 16, 1));
  auto r5 = c.Post("/api/transfer",
                   httplib::MultipartFormDataItems{{"checkpoint", "runA/model.safetensors", "", ""},
                                                   {"source_image", png, "a.png", ""},
                                                   {"source_iuv", iuv, "a_iuv.png", ""},
                                                   {"target_iuv", read_text(fx.root + "/small.png"), "small.png", ""}});
  REQUIRE(r5);
  CHECK(r5->status == 400);
  CHECK(parse_json(r5->body).at("error").as_string().find("size mismatch") != std::string::npos);
  // The texture tool refuses an atlas that is not 6S x 4S.
  auto r6 = c.Post("/api/render",
                   httplib::MultipartFormDataItems{{"atlas", png, "atlas.png", ""}, {"target_iuv", iuv, "t.png", ""}});
  REQUIRE(r6);
  CHECK(r6->status == 400);
  CHECK(parse_json(r6->body).at("error").as_string().find("6S x 4S") != std::string::npos);
}

TEST_CASE("serve/api/oversized_body") {
  Fixture fx(int64_t(1) << 20);
  auto c = fx.client();
  const std::string big(size_t(2) << 20, 'x');
  auto r = c.Post("/api/transfer", httplib::MultipartFormDataItems{{"source_image", big, "big.png", ""}});
  REQUIRE(r);
  CHECK(r->status == 413);
  // The server still answers afterwards.
  auto ok = c.Get("/api/status");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("serve/api/time_limit") {
  std::string temp;
  {
    Fixture fx(int64_t(8) << 20, 1e-6);  // no inference finishes within a microsecond
    temp = fx.server->temp_dir();
    auto c = fx.client();
    auto r = c.Post("/api/transfer", dataset_pair());
    REQUIRE(r);
    CHECK(r->status == 504);
    CHECK(parse_json(r->body).at("error").as_string().find("time limit") != std::string::npos);
  }
  // The job outlived its request; stopping the server waits for it, then removes the temporary folder.
  CHECK_MESSAGE(!std::filesystem::exists(temp), temp << " left behind");
}

TEST_CASE("serve/api/path_traversal") {
  Fixture fx;
  auto c = fx.client();
  for (const char* url : {"/api/file?path=../secret/secret.txt", "/api/file?path=runA/../../secret/secret.txt",
                          "/api/file?path=%2e%2e/secret/secret.txt", "/api/file?path=%2e%2e%2fsecret%2fsecret.txt",
                          "/api/file?path=%252e%252e/secret/secret.txt", "/api/file?path=/etc/passwd",
                          "/api/file?path=runA/escape/secret.txt", "/api/data/file?path=../secret/secret.txt",
                          "/api/data/file?path=/etc/passwd", "/api/losses?run=../secret", "/api/losses?run=runA/escape",
                          "/api/data?split=../secret", "/../secret/secret.txt", "/%2e%2e/secret/secret.txt"}) {
    auto r = c.Get(url);
    REQUIRE(r);
    CHECK_MESSAGE((r->status == 403 || r->status == 404 || r->status == 400), url << " gave " << r->status);
    CHECK_MESSAGE(r->body.find("SECRET") == std::string::npos, url);
  }
  CHECK(c.Get("/api/file?path=../secret/secret.txt")->status == 403);
  CHECK(c.Get("/api/file?path=%2e%2e/secret/secret.txt")->status == 403);
  CHECK(c.Get("/api/file?path=/etc/passwd")->status == 403);
  CHECK(c.Get("/api/file?path=runA/escape/secret.txt")->status == 403);
  // A checkpoint or dataset name that leaves its folder.
  auto r = c.Post("/api/transfer", httplib::MultipartFormDataItems{{"checkpoint", "../secret/secret.txt", "", ""},
                                                                   {"source", "a.png", "", ""},
                                                                   {"target", "b.png", "", ""}});
  REQUIRE(r);
  CHECK(r->status == 403);
  auto r2 = c.Post("/api/transfer", httplib::MultipartFormDataItems{{"checkpoint", "runA/model.safetensors", "", ""},
                                                                    {"split", "test", "", ""},
                                                                    {"source", "../../secret/secret.txt", "", ""},
                                                                    {"target", "b.png", "", ""}});
  REQUIRE(r2);
  CHECK(r2->status == 403);
  // An upload's file name cannot place it anywhere else either.
  auto r3 = c.Post("/api/render", httplib::MultipartFormDataItems{{"atlas", "x", "../../../../tmp/evil.png", ""},
                                                                  {"target_iuv", "y", "/etc/evil.png", ""}});
  REQUIRE(r3);
  CHECK(r3->status == 400);
  CHECK(!file_exists("/tmp/evil.png"));
  CHECK(read_text(fx.root + "/secret/secret.txt") == "SECRET");
}

TEST_CASE("serve/api/concurrent_requests_queued") {
  Fixture fx;
  // A 2-tile atlas rendered onto b's IUV: cheap, and through the same worker queue as the networks.
  write_png(fx.root + "/atlas.png", random_image(48, 32, 9));
  const std::string atlas = read_text(fx.root + "/atlas.png");
  const int n = 6;
  std::vector<int> status(n, 0);
  std::vector<std::string> outputs(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      auto c = fx.client();
      auto r = i % 2 ? c.Post("/api/transfer", dataset_pair())
                     : c.Post("/api/render", httplib::MultipartFormDataItems{{"atlas", atlas, "atlas.png", ""},
                                                                             {"split", "test", "", ""},
                                                                             {"target", "b.png", "", ""}});
      if (r) {
        status[i] = r->status;
        outputs[i] = parse_json(r->body).at("output").as_string();
      }
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < n; ++i) {
    CHECK_MESSAGE(status[i] == 200, "request " << i);
    CHECK(outputs[i] == outputs[i % 2]);  // the same request, the same answer
  }
  const Json s = body_json(fx.client().Get("/api/status"));
  CHECK(s.at("done").as_int() == n);
  CHECK(s.at("max_parallel").as_int() == 1);
  CHECK(s.at("model_loads").as_int() == 1);
}
#endif  // DPT_HAVE_SERVE
