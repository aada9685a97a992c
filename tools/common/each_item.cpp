// The tools' item loop (see each_item.h).
#include "tools/common/each_item.h"

#include "core/error.h"
#include "core/progress.h"

namespace dpt::cli {

void for_each_item(const std::string& label, const std::string& noun, const std::vector<std::string>& names,
                   const std::function<void(size_t)>& job) {
  Progress progress(label, static_cast<int64_t>(names.size()), 1, 0, noun + "s");
  for (size_t i = 0; i < names.size(); ++i) {
    try {
      job(i);
    } catch (const Error& e) {
      progress.finish();
      DPT_FAIL(noun << " " << i + 1 << " of " << names.size() << " (" << names[i] << "): " << e.what());
    }
    progress.update(static_cast<int64_t>(i + 1), names[i]);
  }
  progress.finish();
}

}  // namespace dpt::cli
