// Activation recomputation (checkpointing): a segment of the forward pass whose activations are not kept
// for backward but computed again when backward reaches it.
//
// Note [recompute]
// checkpoint(name, fn, inputs, params) runs fn(inputs) with the graph off and records one node that
// saves only the inputs. Its backward runs fn again with the graph on (from detached copies of the
// inputs) and backpropagates the incoming gradient through that fresh graph: the parameters used in fn
// receive their gradients there, and the node returns the inputs' gradients. The kernels are
// deterministic (Note [conv determinism]), so the recomputed activations, and with them every gradient,
// are bitwise those without recomputation (tests/test_recompute.cpp). The price is one more forward
// pass of the segment. Conditions: fn is a pure function of its inputs and of `params` (the parameters
// it uses, which must not be used outside the segment: their gradient is final when the segment's
// backward ends), and the objects fn refers to outlive the backward pass. With the graph off (inference)
// checkpoint is just fn(inputs).
#pragma once
#include <functional>
#include <vector>

#include "core/tensor.h"

namespace dpt {

// Takes its inputs by value so that a segment can release them early (Note [activation lifetimes] in
// models/dpt/networks.cpp).
using SegmentFn = std::function<Tensor(std::vector<Tensor> inputs)>;

Tensor checkpoint(const char* name, const SegmentFn& fn, std::vector<Tensor> inputs, const std::vector<Tensor>& params);

}  // namespace dpt
