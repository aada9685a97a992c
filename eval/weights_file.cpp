// The evaluation networks' shared weight loading and checks (eval/weights_file.h).
#include "eval/weights_file.h"

#include <sstream>

#include "core/error.h"
#include "io/safetensors.h"

namespace dpt::eval {

WeightSource weight_source(const std::map<std::string, Tensor>& tensors, const std::string& source) {
  WeightSource src;
  src.what = source;
  for (const auto& [name, t] : tensors) src.names.push_back(name);
  src.has = [&tensors](const std::string& n) { return tensors.count(n) != 0 && tensors.at(n).defined(); };
  src.shape = [&tensors](const std::string& n) { return tensors.at(n).shape(); };
  return src;
}

void validate_weights(const WeightSource& src, const std::vector<TensorSpec>& specs, const WeightCheck& check) {
  std::vector<std::string> missing;
  for (const auto& s : specs)
    if (!src.has(s.name)) missing.push_back(s.name);
  if (!missing.empty()) {
    std::ostringstream os;
    os << check.net << " " << src.what << ": missing tensor '" << missing[0] << "'";
    if (missing.size() > 1) os << " (and " << missing.size() - 1 << " more of the " << specs.size() << " expected)";
    os << "; expected " << check.expected;
    if (check.missing_hint) os << check.missing_hint(src);
    DPT_FAIL(os.str());
  }
  for (const auto& s : specs) {
    const Shape got = src.shape(s.name);
    if (got == s.shape) continue;
    std::ostringstream os;
    os << check.net << " " << src.what << ": tensor '" << s.name << "' is " << shape_str(got) << ", expected "
       << shape_str(s.shape) << " (" << check.origin << ")";
    if (check.shape_hint) os << check.shape_hint(s, got);
    DPT_FAIL(os.str());
  }
}

std::map<std::string, Tensor> read_weights(const std::string& path, const std::vector<TensorSpec>& specs,
                                           const WeightCheck& check, std::string& what) {
  const SafetensorsFile f = SafetensorsFile::read(path);  // a malformed file is an error naming it
  WeightSource src;
  src.what = "weights file '" + path + "'";
  src.names = f.names();
  src.has = [&](const std::string& n) { return f.contains(n); };
  src.shape = [&](const std::string& n) { return f.entry(n).shape; };
  validate_weights(src, specs, check);  // before converting anything
  std::map<std::string, Tensor> tensors;
  for (const auto& s : specs) tensors[s.name] = f.tensor(s.name);
  what = src.what;
  return tensors;
}

void check_image_batch(const Tensor& x, Device device, const std::string& net) {
  DPT_CHECK(x.defined() && x.dim() == 4 && x.size(1) == 3 && x.dtype() == DType::F32 && x.device() == device,
            net << ": input must be float32 [N, 3, H, W] on " << device.str() << " (the network's device), got "
                << (x.defined() ? x.describe() : "an undefined tensor"));
}

}  // namespace dpt::eval
