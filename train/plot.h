// Loss curves as a standalone SVG image (viewable in any browser, embedded in the demo report).
#pragma once
#include <string>
#include <vector>

namespace dpt {

struct Curve {
  std::string name;
  std::vector<double> steps, values;
};

// Writes an SVG line chart of the curves (log-scale y when every value is positive and they span more
// than a decade), atomically. Throws dpt::Error naming the path on failure.
void write_loss_plot_svg(const std::string& path, const std::string& title, const std::vector<Curve>& curves);

}  // namespace dpt
