// Note [memory tags] (core/allocator.h): what dpt-bench steps --memory reports. Outputs recorded in the
// graph are charged to ("graph", op), allocations inside an op's backward to ("backward", op), the rest
// to ("other", "-"); live bytes fall back when the blocks are released.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/allocator.h"
#include "core/autograd.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

using namespace dpt;

namespace {
TaggedBytes find_tag(const std::string& phase, const std::string& op) {
  for (const TaggedBytes& t : allocator_for(DeviceType::CPU).tagged_stats())
    if (t.phase == phase && t.op == op) return t;
  return TaggedBytes{};
}
}  // namespace

TEST_CASE("memory/tags_split_graph_backward_other") {
  CachingAllocator& a = allocator_for(DeviceType::CPU);
  const size_t bytes = 1000 * 1000 * sizeof(float);  // a size class no other test object shares
  set_memory_tagging(true);
  a.reset_tag_stats();
  {
    Tensor x = Tensor::ones({1000, 1000});  // "other", as its gradient (accumulated outside any backward)
    x.set_requires_grad(true);
    Tensor scratch = Tensor::empty({1000, 1000});  // no op: "other"
    Tensor y = mul(x, x);                          // recorded: ("graph", "mul")
    CHECK(find_tag("graph", "mul").live_bytes >= bytes);
    CHECK(find_tag("other", "-").live_bytes >= bytes);
    sum(y).backward();
  }
  set_memory_tagging(false);
  CHECK(find_tag("graph", "mul").peak_bytes >= bytes);
  CHECK(find_tag("graph", "mul").live_bytes == 0);  // the graph and y are gone
  CHECK(find_tag("backward", "mul").peak_bytes >= bytes);
  CHECK(find_tag("other", "-").live_bytes == 0);  // x, its gradient and the scratch are released
  a.reset_tag_stats();
  CHECK(find_tag("graph", "mul").peak_bytes == 0);  // forgotten: nothing of it is live
}
