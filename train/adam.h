// Adam over a named set of parameters (docs/dpt.md section 6): moments per parameter, a step counter,
// and the checkpoint form of its state (adam.m.<param>, adam.v.<param>).
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "ops/adam.h"

namespace dpt {

class Adam {
 public:
  Adam(std::vector<std::pair<std::string, Tensor>> params, const AdamHyper& hyper);
  // One update of every parameter that has a gradient (PyTorch skips parameters whose grad is None).
  void step();
  void zero_grad();
  int64_t steps() const { return steps_; }
  // The learning rate of the next steps (a schedule sets it before each step).
  void set_lr(double lr) { hyper_.lr = lr; }
  double lr() const { return hyper_.lr; }
  // Runs at the start of every step(), before any update: the data-parallel gradient all-reduce.
  void set_before_step(std::function<void()> f) { before_step_ = std::move(f); }
  // adam.m.<name> / adam.v.<name> for every parameter (moments start at zero).
  std::vector<std::pair<std::string, Tensor>> state() const;
  // Restores moments from checkpoint tensors (every parameter's adam.m/.v must be present) and the step.
  void load_state(const std::vector<std::pair<std::string, Tensor>>& tensors, int64_t steps, const std::string& what);

 private:
  struct Slot {
    std::string name;
    Tensor param, m, v;
  };
  std::vector<Slot> slots_;
  AdamHyper hyper_;
  int64_t steps_ = 0;
  std::function<void()> before_step_;
};

}  // namespace dpt
