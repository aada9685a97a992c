// A contact sheet for eyeballing the synthetic world: one row per person with each view's image next to
// a visualisation of its IUV, and the person's ground-truth atlas at the end of the row.
#pragma once
#include "synth/dataset.h"

namespace dpt::synth {

// IUV shown as R = U byte, G = V byte, B = 10 I (background black).
Image8 iuv_visual(const Frame& f);

// Persons 0..persons-1, views 0..views-1 (capped by opt.views), rendered as write_dataset would. With
// `sca`, two more panels per view show what SCA-GAN sees: the 18 heatmaps (sigma 12 at 256 rows, scaled
// with the image height) and the skeleton over the image, and the XDoG edge map (ops/xdog.h) over it.
Image8 make_contact_sheet(const DatasetOptions& opt, int persons, int views, bool sca = false);

// The SCA panels of one view: heatmaps + skeleton over the image, and the edge map over the image.
Image8 heatmap_visual(const Frame& f, const Keypoints& kp, double sigma);
Image8 edge_visual(const Frame& f);

}  // namespace dpt::synth
