// The person's ground-truth texture atlas (docs/dpt.md section 2 layout: 24 tiles of S x S in 6 rows
// x 4 columns) painted procedurally from its Look, and the bilinear lookup the renderer colours with.
#pragma once
#include "io/image.h"
#include "synth/person.h"

namespace dpt::synth {

// RGB Image8 of 6S rows x 4S columns. Texel (row, col) of part p's tile holds the surface point
// u = col / (S - 1), v = 1 - row / (S - 1). Pattern edges are anti-aliased over about one texel.
Image8 make_atlas(const Look& look, int S);

// Bilinear lookup of part p (1..24) at (u, v) in [0, 1]: texel column u (S-1), row (1-v)(S-1) inside the
// tile, never reading a neighbouring tile. Returns byte-scale values (0..255) in out[0..2].
void atlas_sample(const Image8& atlas, int S, int part, float u, float v, float out[3]);

// A garment's pattern at pattern coordinates (cu, cv), cu in [0, 1] across half a circumference;
// w is the anti-aliasing width in the same units. Also paints the off-surface skirt.
Rgb garment_colour(const Garment& g, float cu, float cv, float w);

}  // namespace dpt::synth
