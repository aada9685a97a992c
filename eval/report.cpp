// JSON report, terminal tables and the image grid of dpt-eval (eval/report.h).
#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/error.h"

namespace dpt::eval {

namespace {

Json num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json weights_json() {
  Json a = Json::array();
  for (double w : kMsSsimWeights) a.push_back(w);
  return a;
}

Json metrics_json(const Metrics& m) {
  Json o = Json::object();
  o.set("ssim", num(m.ssim));
  o.set("ms_ssim", num(m.ms_ssim));
  o.set("l1", num(m.l1));
  o.set("psnr", num(m.psnr));
  return o;
}

Json mean_json(const MeanMetrics& m, bool with_lpips) {
  Json o = Json::object();
  o.set("ssim", num(m.ssim.mean));
  o.set("ms_ssim", num(m.ms_ssim.mean));
  o.set("l1", num(m.l1.mean));
  o.set("psnr", num(m.psnr.mean));
  if (with_lpips) o.set("lpips", num(m.lpips.mean));
  Json n = Json::object();
  n.set("ssim", static_cast<int64_t>(m.ssim.used));
  n.set("ms_ssim", static_cast<int64_t>(m.ms_ssim.used));
  n.set("l1", static_cast<int64_t>(m.l1.used));
  n.set("psnr", static_cast<int64_t>(m.psnr.used));
  if (with_lpips) n.set("lpips", static_cast<int64_t>(m.lpips.used));
  o.set("n", n);
  o.set("psnr_infinite", static_cast<int64_t>(m.psnr.infinite));
  return o;
}

Json settings_json(const Summary& summary) {
  Json s = Json::object();
  s.set("protocol", protocol_name(summary.protocol));
  if (summary.protocol == Protocol::Patn)
    s.set("ssim",
          "PATN protocol (tool/getMetrics_fashion.py): both images padded with 40 white columns per side, then "
          "skimage structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, "
          "multichannel=True, data_range = max - min of the padded generated image) per RGB channel, channels "
          "averaged: 11-tap Gaussian (truncate 3.5), reflect borders, C1=(0.01*L)^2, C2=(0.03*L)^2, mean of the S "
          "map cropped by 5 pixels; the other metrics as in the plain protocol");
  else
    s.set("ssim",
          "skimage 0.19 structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, "
          "data_range=255) per RGB channel, channels averaged: 11-tap Gaussian (truncate 3.5), reflect borders, "
          "C1=(0.01*255)^2, C2=(0.03*255)^2, mean of the S map cropped by 5 pixels");
  s.set("ms_ssim",
        "Wang et al. 2003 with the same maps: contrast-structure term (mean of A2/B2 over the cropped map) at "
        "scales 1..M-1, SSIM at scale M, each clamped at 0, product of term^weight per channel, channels "
        "averaged; scale k+1 = 2x2 block mean of scale k (odd last row/column dropped); M = 5, fewer when "
        "the smaller side at a scale would be under 11 pixels, the first M weights then renormalised to sum 1");
  s.set("ms_ssim_weights", weights_json());
  s.set("l1", "mean |pred - gt| over pixels and channels with images on [0, 1] (twice this on [-1, 1])");
  s.set("psnr", "10 log10(255^2 / MSE) on bytes (data range 255); per-image values averaged; identical images "
                "(infinite PSNR) are null and left out of the mean");
  if (summary.has_lpips)
    s.set("lpips", "LPIPS v0.1, AlexNet trunk (torchvision alexnet features + the lpips package's lin0..lin4), "
                   "images as bytes/127.5 - 1 at their own size, whole image only; lower is more similar");
  s.set("person_region",
        "pixels whose target IUV part index is > 0: SSIM maps (and, for MS-SSIM, the 2x2-averaged region "
        "weights at each scale) averaged over the region inside the cropped map; L1 and PSNR over region "
        "pixels; null when the region is empty there");
  return s;
}

std::string fmt(double v, int decimals) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s : std::string(w - s.size(), ' ') + s; }

void blit(Image8& dst, const Image8& src, int top, int left) {
  for (int y = 0; y < src.height; ++y)
    for (int x = 0; x < src.width; ++x)
      for (int c = 0; c < 3; ++c)
        dst.pixels[(static_cast<size_t>(top + y) * dst.width + (left + x)) * 3 + c] =
            src.pixels[(static_cast<size_t>(y) * src.width + x) * src.channels + c];
}

}  // namespace

std::string ms_ssim_scale_note(const Summary& s) {
  if (s.count == 0 || s.min_scales >= kMsSsimMaxScales) return "";
  std::ostringstream os;
  os << "MS-SSIM used " << s.min_scales;
  if (s.max_scales != s.min_scales) os << " to " << s.max_scales;
  os << " of 5 scales (images whose smaller side is under 176 pixels), with the weights of those scales "
        "renormalised to sum 1";
  return os.str();
}

Json report_json(const std::vector<EvalResult>& results, const Summary& summary, const Json& run) {
  Json j = Json::object();
  j.set("run", run);
  j.set("settings", settings_json(summary));
  j.set("count", static_cast<int64_t>(summary.count));
  Json sc = Json::object();
  sc.set("min", summary.min_scales);
  sc.set("max", summary.max_scales);
  j.set("ms_ssim_scales", sc);
  const std::string note = ms_ssim_scale_note(summary);
  if (!note.empty()) j.set("ms_ssim_note", note);
  j.set("mean", mean_json(summary.full, summary.has_lpips));
  if (summary.has_person) j.set("person_mean", mean_json(summary.person, false));
  Json images = Json::array();
  for (const auto& r : results) {
    Json o = Json::object();
    o.set("name", r.item.name);
    o.set("pred", r.item.pred);
    o.set("gt", r.item.gt);
    if (!r.item.iuv.empty()) o.set("iuv", r.item.iuv);
    o.set("height", r.height);
    o.set("width", r.width);
    const Json full = metrics_json(r.metrics.full);
    for (const auto& [k, v] : full.as_object()) o.set(k, v);
    if (summary.has_lpips) o.set("lpips", num(r.metrics.full.lpips));
    o.set("ms_ssim_scales", r.metrics.full.ms_ssim_scales);
    if (r.metrics.has_person) {
      Json p = metrics_json(r.metrics.person);
      p.set("foreground_fraction", r.metrics.foreground_fraction);
      o.set("person", p);
    }
    images.push_back(o);
  }
  j.set("images", images);
  return j;
}

std::string summary_table(const Summary& s) {
  std::ostringstream os;
  const bool p = s.has_person;
  os << "metric   " << pad("all", 10) << (p ? pad("person", 10) : "") << "\n";
  auto row = [&](const char* name, const MeanMetric& a, const MeanMetric& b, int d) {
    os << name << pad(fmt(a.mean, d), 10) << (p ? pad(fmt(b.mean, d), 10) : "") << "\n";
  };
  row(s.protocol == Protocol::Patn ? "SSIM patn" : "SSIM     ", s.full.ssim, s.person.ssim, 4);
  row("MS-SSIM  ", s.full.ms_ssim, s.person.ms_ssim, 4);
  row("L1 [0,1] ", s.full.l1, s.person.l1, 4);
  row("PSNR dB  ", s.full.psnr, s.person.psnr, 2);
  if (s.has_lpips) os << "LPIPS    " << pad(fmt(s.full.lpips.mean, 4), 10) << (p ? pad("-", 10) : "") << "\n";
  os << s.count << " image(s)";
  if (s.full.psnr.infinite) os << "; " << s.full.psnr.infinite << " identical (infinite PSNR, left out of the mean)";
  if (p && s.person.ssim.used < s.count)
    os << "; person region empty in " << (s.count - s.person.ssim.used) << " (left out of the person means)";
  os << "\n";
  const std::string note = ms_ssim_scale_note(s);
  if (!note.empty()) os << "note: " << note << "\n";
  if (s.protocol == Protocol::Patn)
    os << "note: whole-image SSIM under the PATN protocol (40 white columns per side, data range of the "
          "generated image); the person column and the other rows are plain\n";
  return os.str();
}

std::string per_image_table(const std::vector<EvalResult>& results) {
  std::ostringstream os;
  bool p = false, lp = false;
  for (const auto& r : results) {
    p = p || r.metrics.has_person;
    lp = lp || !std::isnan(r.metrics.full.lpips);
  }
  os << pad("SSIM", 8) << pad("MS-SSIM", 9) << pad("L1", 8) << pad("PSNR", 8) << (lp ? pad("LPIPS", 8) : "");
  if (p) os << pad("pSSIM", 8) << pad("pMS-SSIM", 9) << pad("pL1", 8) << pad("pPSNR", 8);
  os << "  name\n";
  for (const auto& r : results) {
    const Metrics& f = r.metrics.full;
    os << pad(fmt(f.ssim, 4), 8) << pad(fmt(f.ms_ssim, 4), 9) << pad(fmt(f.l1, 4), 8) << pad(fmt(f.psnr, 2), 8)
       << (lp ? pad(fmt(f.lpips, 4), 8) : "");
    if (p) {
      const Metrics& q = r.metrics.person;
      os << pad(fmt(q.ssim, 4), 8) << pad(fmt(q.ms_ssim, 4), 9) << pad(fmt(q.l1, 4), 8) << pad(fmt(q.psnr, 2), 8);
    }
    os << "  " << r.item.name << "\n";
  }
  return os.str();
}

Image8 make_grid(const std::vector<EvalItem>& items, size_t max_rows) {
  const size_t rows = std::min(items.size(), max_rows);
  DPT_CHECK(rows > 0, "image grid: no items to show");
  std::vector<Image8> gt(rows), pred(rows);
  int ch = 0, cw = 0;
  for (size_t i = 0; i < rows; ++i) {
    gt[i] = read_image(items[i].gt);
    pred[i] = read_image(items[i].pred);
    ch = std::max({ch, gt[i].height, pred[i].height});
    cw = std::max({cw, gt[i].width, pred[i].width});
  }
  const int gap = 4;
  Image8 g;
  g.channels = 3;
  g.width = 2 * cw + 3 * gap;
  g.height = static_cast<int>(rows) * (ch + gap) + gap;
  check_image_size("image grid", g.height, g.width);
  g.pixels.assign(static_cast<size_t>(g.height) * g.width * 3, 128);
  for (size_t i = 0; i < rows; ++i) {
    const int top = gap + static_cast<int>(i) * (ch + gap);
    blit(g, gt[i], top + (ch - gt[i].height) / 2, gap + (cw - gt[i].width) / 2);
    blit(g, pred[i], top + (ch - pred[i].height) / 2, 2 * gap + cw + (cw - pred[i].width) / 2);
  }
  return g;
}

namespace {

Json score_json(const InceptionScore& s) {
  Json o = Json::object();
  o.set("mean", num(s.mean));
  o.set("std", num(s.std));
  o.set("splits", s.splits);
  o.set("images", s.count);
  return o;
}

std::string score_text(const InceptionScore& s) {
  return fmt(s.mean, 3) + " +- " + fmt(s.std, 3) + " (" + std::to_string(s.splits) + " split" +
         (s.splits == 1 ? "" : "s") + ", " + std::to_string(s.count) + " image" + (s.count == 1 ? "" : "s") + ")";
}

}  // namespace

std::vector<std::string> inception_notes(const InceptionSummary& s) {
  std::vector<std::string> notes;
  if (s.is_pred.splits < 10 || s.is_gt.splits < 10)
    notes.push_back("IS used fewer than the usual 10 splits (predictions " + std::to_string(s.is_pred.splits) +
                    ", real images " + std::to_string(s.is_gt.splits) +
                    "): under 20 images, each split keeps at least 2; small splits bias IS low");
  if (std::isnan(s.fid))
    notes.push_back("no FID: it needs at least 2 predictions and 2 distinct real images");
  else if (std::min(s.pred_count, s.gt_count) < static_cast<size_t>(kInceptionFeatures))
    notes.push_back("FID from fewer images than feature dimensions (2048): rank-deficient covariances bias it "
                    "upwards; compare only FIDs computed from equally many images");
  return notes;
}

void add_inception_json(Json& report, const InceptionSummary& s) {
  report.set("is", score_json(s.is_pred));
  report.set("is_gt", score_json(s.is_gt));
  report.set("fid", num(s.fid));
  Json o = Json::object();
  o.set("weights", s.weights);
  o.set("pred_images", static_cast<int64_t>(s.pred_count));
  o.set("gt_images", static_cast<int64_t>(s.gt_count));
  o.set("fid_method", s.fid_method.empty() ? Json(nullptr) : Json(s.fid_method));
  o.set("network",
        "torchvision inception_v3 (eval mode, transform_input=False, no aux head), BatchNorm eps 0.001 folded "
        "into the convolutions; logits = fc outputs (1000), FID features = the 2048 global-average-pool outputs");
  o.set("input", "RGB bytes / 255, bilinear resize to 299x299 (F.interpolate, align_corners=False, no "
                 "antialias), then 2x - 1 (what ImageNet weights with transform_input=True see)");
  o.set("is", "exp(mean KL(p(y|x) || p(y))) per split, mean and population std over min(10, max(1, n/2)) splits");
  o.set("fid", "|mu1 - mu2|^2 + Tr(S1 + S2 - 2 sqrt(S1 S2)), sample covariances (n - 1); predictions vs the "
               "distinct ground-truth images");
  Json notes = Json::array();
  for (const auto& n : inception_notes(s)) notes.push_back(n);
  o.set("notes", notes);
  report.set("inception", o);
}

std::string inception_table(const InceptionSummary& s) {
  std::ostringstream os;
  os << "IS       " << score_text(s.is_pred) << "; real images " << score_text(s.is_gt) << "\n";
  os << "FID      " << fmt(s.fid, 3) << " (" << s.pred_count << " predictions vs " << s.gt_count
     << " real images)\n";
  for (const auto& n : inception_notes(s)) os << "note: " << n << "\n";
  return os.str();
}

}  // namespace dpt::eval
