// The FLOP counter of Note [FLOP counter] (core/flop_counter.h).
#include "core/flop_counter.h"

#include <atomic>
#include <cstdint>

namespace dpt {

namespace {
std::atomic<uint64_t> g_flops{0};
}  // namespace

void count_flops(double flops) { g_flops.fetch_add(static_cast<uint64_t>(flops), std::memory_order_relaxed); }
double counted_flops() { return static_cast<double>(g_flops.load(std::memory_order_relaxed)); }
void reset_flop_count() { g_flops.store(0, std::memory_order_relaxed); }

}  // namespace dpt
