// What the evaluation networks (eval/lpips.h, eval/inception.h) share about their weights: the table of
// expected tensors, where the tensors come from (a safetensors file or tensors in memory), the check of
// names and shapes before anything is converted, and the input check of a network on a device.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dpt::eval {

struct TensorSpec {
  std::string name;
  Shape shape;
};

// Where the weights come from: a safetensors file or tensors in memory.
struct WeightSource {
  std::string what;  // "weights file 'x.safetensors'" or the caller's name for tensors in memory
  std::vector<std::string> names;
  std::function<bool(const std::string&)> has;
  std::function<Shape(const std::string&)> shape;
};
WeightSource weight_source(const std::map<std::string, Tensor>& tensors, const std::string& source);

// What one network adds to the shared error messages.
struct WeightCheck {
  std::string net;       // "LPIPS", "Inception-v3"
  std::string expected;  // after "; expected " when a tensor is missing: what the names should be
  std::string origin;    // in parentheses after a wrong shape: where the expected shapes come from
  // Optional: more text after a missing-tensor message (e.g. the file uses another naming), or "".
  std::function<std::string(const WeightSource&)> missing_hint;
  // Optional: more text after a wrong-shape message, or "".
  std::function<std::string(const TensorSpec&, const Shape& got)> shape_hint;
};

// Names first (all of them, so the message can count the missing ones), then shapes. Errors name the
// network, the source, the first missing tensor or the first tensor of the wrong shape.
void validate_weights(const WeightSource& src, const std::vector<TensorSpec>& specs, const WeightCheck& check);

// Reads the safetensors file `path`, validates it before converting anything and returns the tensors of
// `specs` (on the CPU, the file's dtype). `what` is set to the name the errors use for the file.
std::map<std::string, Tensor> read_weights(const std::string& path, const std::vector<TensorSpec>& specs,
                                           const WeightCheck& check, std::string& what);

// Checks that x is float32 [N, 3, H, W] on `device`, the network's device (`net` names it in errors).
void check_image_batch(const Tensor& x, Device device, const std::string& net);

}  // namespace dpt::eval
