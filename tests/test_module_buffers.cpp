// Module buffers and train/eval mode (Note [module buffers and modes] in layers/module.h), and the
// BatchNorm2d layer built on them: names, state dicts, strict loading, dtype moves, mode propagation.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "core/autograd.h"
#include "layers/batch_norm.h"
#include "layers/layers.h"
#include "models/checkpoint.h"
#include "tests/sca_golden_ops.h"
#include "tests/test_util.h"

using namespace dpt;
using namespace dpt::test;

namespace {

// conv -> bn, plus a buffer of its own, nested one level deeper in Outer.
class Inner : public Module {
 public:
  explicit Inner(Generator& gen) : conv(2, 3, 3, 1, 1, gen), bn(3) {
    scale = Tensor::full({1}, 2.0);
    counter = Tensor::zeros({2});
    register_parameter("scale", &scale);
    register_buffer("counter", &counter);
    register_module("conv", &conv);
    register_module("bn", &bn);
  }
  Tensor scale, counter;
  Conv2d conv;
  BatchNorm2d bn;
};

class Outer : public Module {
 public:
  explicit Outer(Generator& gen) : inner(gen), bn(2) {
    register_module("inner", &inner);
    register_module("bn", &bn);
  }
  Inner inner;
  BatchNorm2d bn;
};

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& v) {
  std::vector<std::string> out;
  for (auto& p : v) out.push_back(p.first);
  return out;
}

}  // namespace

TEST_CASE("layers/module/buffers_named_and_in_state_dict_but_not_parameters") {
  Generator gen(3);
  Outer m(gen);
  CHECK(names_of(m.named_parameters("net.")) ==
        std::vector<std::string>{"net.inner.scale", "net.inner.conv.weight", "net.inner.conv.bias",
                                 "net.inner.bn.weight", "net.inner.bn.bias", "net.bn.weight", "net.bn.bias"});
  CHECK(names_of(m.named_buffers()) ==
        std::vector<std::string>{"inner.counter", "inner.bn.running_mean", "inner.bn.running_var", "bn.running_mean",
                                 "bn.running_var"});
  // PyTorch's state_dict order: a module's parameters, then its buffers, then its children.
  CHECK(names_of(m.named_state()) ==
        std::vector<std::string>{"inner.scale", "inner.counter", "inner.conv.weight", "inner.conv.bias",
                                 "inner.bn.weight", "inner.bn.bias", "inner.bn.running_mean", "inner.bn.running_var",
                                 "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"});
  CHECK(m.parameters().size() == 7);
  CHECK(m.num_parameters() == 1 + 3 * 2 * 9 + 3 + 3 + 3 + 2 + 2);  // buffers are not parameters
  for (auto& b : m.named_buffers()) CHECK_FALSE(b.second.requires_grad());
  StateDict sd = m.state_dict();
  CHECK(sd.size() == 12);
  CHECK(sd.at("inner.bn.running_var").raw_data() == m.inner.bn.running_var.raw_data());  // shares storage
  CHECK(sd.at("bn.running_var").to_vector() == std::vector<double>{1, 1});               // PyTorch's init
  CHECK(sd.at("bn.running_mean").to_vector() == std::vector<double>{0, 0});
}

TEST_CASE("layers/module/load_state_dict_includes_buffers_strictly") {
  Generator g1(3), g2(4);
  Outer a(g1), b(g2);
  a.inner.bn.running_mean.copy_(Tensor::from_vector(std::vector<float>{1, 2, 3}, {3}));
  a.inner.counter.fill_(7);
  Tensor handle = b.inner.bn.running_mean;  // loading copies in place: earlier handles stay valid
  b.load_state_dict(a.state_dict());
  CHECK(handle.to_vector() == std::vector<double>{1, 2, 3});
  CHECK(b.inner.counter.to_vector() == std::vector<double>{7, 7});
  expect_golden(b.inner.conv.weight, a.inner.conv.weight, 0, "conv weight loaded");

  StateDict missing = a.state_dict();
  missing.erase("inner.bn.running_var");
  missing["bn.num_batches_tracked"] = Tensor::zeros({});
  missing["bn.running_mean"] = Tensor::zeros({5});
  const std::string msg = error_of([&] { b.load_state_dict(missing, "ckpt.safetensors"); });
  CHECK(contains(msg, "ckpt.safetensors"));
  CHECK(contains(msg, "missing 1: inner.bn.running_var"));
  CHECK(contains(msg, "unexpected 1: bn.num_batches_tracked"));
  CHECK(contains(msg, "bn.running_mean (expected [2], got [5])"));
  CHECK(contains(msg, "12 parameters and buffers"));
  CHECK(handle.to_vector() == std::vector<double>{1, 2, 3});  // nothing changed

  // load_parameters (a checkpoint file's path) fetches buffers too.
  std::map<std::string, Shape> avail;
  for (auto& kv : a.state_dict()) avail.emplace(kv.first, kv.second.shape());
  int fetched = 0;
  b.load_parameters(avail, [&](const std::string& n) { ++fetched; return a.state_dict().at(n); }, "file");
  CHECK(fetched == 12);
}

TEST_CASE("layers/module/to_dtype_moves_buffers_and_keeps_them_out_of_grad") {
  Generator gen(5);
  Outer m(gen);
  m.to(DType::F64);
  for (auto& t : m.named_state()) CHECK(t.second.dtype() == DType::F64);
  for (auto& b : m.named_buffers()) CHECK_FALSE(b.second.requires_grad());
  for (auto& p : m.named_parameters()) CHECK(p.second.requires_grad());
  m.set_requires_grad(false);
  m.set_requires_grad(true);
  for (auto& b : m.named_buffers()) CHECK_FALSE(b.second.requires_grad());  // only parameters change
}

TEST_CASE("layers/module/train_eval_reaches_every_descendant") {
  Generator gen(6);
  Outer m(gen);
  CHECK(m.is_training());  // PyTorch's default
  CHECK(m.inner.bn.is_training());
  m.eval();
  CHECK_FALSE(m.is_training());
  CHECK_FALSE(m.inner.is_training());
  CHECK_FALSE(m.inner.conv.is_training());
  CHECK_FALSE(m.inner.bn.is_training());
  CHECK_FALSE(m.bn.is_training());
  m.inner.train();  // a subtree only
  CHECK(m.inner.bn.is_training());
  CHECK_FALSE(m.bn.is_training());
  CHECK_FALSE(m.is_training());
  m.train(true);
  CHECK(m.bn.is_training());
}

TEST_CASE("layers/module/checkpoint_round_trip_keeps_buffers") {
  Generator g1(8), g2(9);
  Outer a(g1), b(g2);
  a.bn.running_var.copy_(Tensor::from_vector(std::vector<float>{0.25f, 4.0f}, {2}));
  a.inner.bn.running_mean.fill_(-1.5);
  const std::string path = temp_dir("module_buffers") + "/ckpt.safetensors";
  save_module_checkpoint(path, a, "test", {}, {});
  SafetensorsFile f = SafetensorsFile::read(path);
  CHECK(f.names().size() == 12);  // 7 parameters + 5 buffers
  load_module_weights(b, f, path, [](const std::string&) { return false; });
  for (auto& kv : a.state_dict()) expect_golden(b.state_dict().at(kv.first), kv.second, 0, kv.first + " round trip");
}

TEST_CASE("layers/module/names_must_be_unique_across_kinds") {
  struct Bad : Module {
    Tensor a = Tensor::zeros({1}), b = Tensor::zeros({1});
    void add_both() {
      register_parameter("a", &a);
      register_buffer("a", &b);
    }
  } bad;
  CHECK(contains(error_of([&] { bad.add_both(); }), "'a' registered twice"));
}

TEST_CASE("layers/batch_norm2d/modes_and_running_statistics") {
  // The golden batch-norm cases through the layer: train mode moves the buffers once, eval leaves them.
  BatchNorm2d bn(3);
  StateDict sd;
  sd["weight"] = golden(kScaOps, "batch_norm_train.w");
  sd["bias"] = golden(kScaOps, "batch_norm_train.b");
  sd["running_mean"] = golden(kScaOps, "batch_norm_train.rm");
  sd["running_var"] = golden(kScaOps, "batch_norm_train.rv");
  bn.load_state_dict(sd);
  Tensor y = bn.forward(golden(kScaOps, "batch_norm_train.x"));
  expect_golden(y, golden(kScaOps, "batch_norm_train.out"), 1e-4, "BatchNorm2d train out");
  expect_golden(bn.running_mean, golden(kScaOps, "batch_norm_train.running_mean"), 1e-4, "running_mean after one step");
  expect_golden(bn.running_var, golden(kScaOps, "batch_norm_train.running_var"), 1e-4, "running_var after one step");

  BatchNorm2d ev(3);
  sd["weight"] = golden(kScaOps, "batch_norm_eval.w");
  sd["bias"] = golden(kScaOps, "batch_norm_eval.b");
  sd["running_mean"] = golden(kScaOps, "batch_norm_eval.rm");
  sd["running_var"] = golden(kScaOps, "batch_norm_eval.rv");
  ev.load_state_dict(sd);
  ev.eval();
  Tensor ye = ev.forward(golden(kScaOps, "batch_norm_eval.x"));
  expect_golden(ye, golden(kScaOps, "batch_norm_eval.out"), 1e-4, "BatchNorm2d eval out");
  expect_golden(ev.running_mean, golden(kScaOps, "batch_norm_eval.rm"), 0, "eval keeps running_mean");
  expect_golden(ev.running_var, golden(kScaOps, "batch_norm_eval.rv"), 0, "eval keeps running_var");
  CHECK(contains(error_of([&] { ev.forward(Tensor::zeros({2, 3, 4})); }), "BatchNorm2d: x must be [N, C, H, W]"));
}
