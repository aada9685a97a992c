// Note [FLOP counter]: a process-wide count of the floating-point operations of the heavy ops (conv2d,
// conv_transpose2d, linear: 2 x multiply-adds of the dense definition, per forward and per wanted
// gradient), so dpt-bench steps can rate a whole step as a fraction of the machine's peak. The other ops
// (norms, activations, losses, Adam) are memory-bound and not counted: a step's rate is a lower bound.
#pragma once

namespace dpt {

void count_flops(double flops);  // thread-safe, cheap (one atomic add per op call)
double counted_flops();          // since the last reset
void reset_flop_count();

}  // namespace dpt
