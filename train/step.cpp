// require_finite (see step.h).
#include "train/step.h"

#include <cmath>
#include <sstream>

namespace dpt {

namespace {
bool finite(const Tensor& t) { return !t.defined() || std::isfinite(t.item()); }
}  // namespace

void require_finite(const std::vector<std::pair<std::string, Tensor>>& named) {
  bool ok = true;
  for (const auto& kv : named) ok = ok && finite(kv.second);
  if (ok) return;
  std::ostringstream msg;
  msg << "(";
  for (size_t i = 0; i < named.size(); ++i)
    if (named[i].second.defined()) msg << (i ? ", " : "") << named[i].first << " " << named[i].second.item();
  msg << ")";
  throw NonFiniteLoss(msg.str());
}

}  // namespace dpt
