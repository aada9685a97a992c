// SVG loss-curve chart (see plot.h).
#include "train/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "core/error.h"

namespace dpt {

namespace {
const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}
}  // namespace

void write_loss_plot_svg(const std::string& path, const std::string& title, const std::vector<Curve>& curves) {
  const double W = 720, H = 400, L = 70, R = 160, T = 40, B = 50;
  double xmin = std::numeric_limits<double>::max(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  bool positive = true;
  for (const Curve& c : curves)
    for (size_t i = 0; i < c.values.size(); ++i) {
      if (!std::isfinite(c.values[i])) continue;
      xmin = std::min(xmin, c.steps[i]);
      xmax = std::max(xmax, c.steps[i]);
      ymin = std::min(ymin, c.values[i]);
      ymax = std::max(ymax, c.values[i]);
      positive = positive && c.values[i] > 0;
    }
  if (xmin > xmax) xmin = 0, xmax = 1, ymin = 0, ymax = 1;
  if (xmax == xmin) xmax = xmin + 1;
  const bool logy = positive && ymax / ymin > 10;
  auto ty = [&](double v) { return logy ? std::log10(v) : v; };
  double y0 = ty(ymin), y1 = ty(ymax);
  if (y1 == y0) y1 = y0 + 1;
  auto px = [&](double x) { return L + (x - xmin) / (xmax - xmin) * (W - L - R); };
  auto py = [&](double y) { return T + (1 - (ty(y) - y0) / (y1 - y0)) * (H - T - B); };

  std::string svg = "<svg xmlns='http://www.w3.org/2000/svg' width='" + fmt(W) + "' height='" + fmt(H) +
                    "' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n";
  svg += "<text x='" + fmt(W / 2) + "' y='22' text-anchor='middle' font-size='15'>" + title + "</text>\n";
  svg += "<rect x='" + fmt(L) + "' y='" + fmt(T) + "' width='" + fmt(W - L - R) + "' height='" + fmt(H - T - B) +
         "' fill='none' stroke='#444'/>\n";
  for (int k = 0; k <= 4; ++k) {
    double yv = logy ? std::pow(10.0, y0 + (y1 - y0) * k / 4) : y0 + (y1 - y0) * k / 4;
    double xv = xmin + (xmax - xmin) * k / 4;
    svg += "<text x='" + fmt(L - 6) + "' y='" + fmt(py(yv) + 4) + "' text-anchor='end'>" + fmt(yv) + "</text>\n";
    svg += "<text x='" + fmt(px(xv)) + "' y='" + fmt(H - B + 16) + "' text-anchor='middle'>" + fmt(xv) + "</text>\n";
  }
  svg += "<text x='" + fmt((L + W - R) / 2) + "' y='" + fmt(H - 12) + "' text-anchor='middle'>step</text>\n";
  for (size_t c = 0; c < curves.size(); ++c) {
    const char* colour = kColours[c % 8];
    std::string pts;
    for (size_t i = 0; i < curves[c].values.size(); ++i)
      if (std::isfinite(curves[c].values[i]) && (!logy || curves[c].values[i] > 0))
        pts += fmt(px(curves[c].steps[i])) + "," + fmt(py(curves[c].values[i])) + " ";
    svg += "<polyline fill='none' stroke='" + std::string(colour) + "' stroke-width='1.5' points='" + pts + "'/>\n";
    svg += "<text x='" + fmt(W - R + 10) + "' y='" + fmt(T + 16 + 18 * c) + "' fill='" + colour + "'>" +
           curves[c].name + "</text>\n";
  }
  svg += "</svg>\n";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    DPT_CHECK(f, "cannot write the loss plot " << tmp);
    f << svg;
    DPT_CHECK(f.good(), "writing the loss plot " << tmp << " failed");
  }
  DPT_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "cannot rename " << tmp << " to " << path);
}

}  // namespace dpt
