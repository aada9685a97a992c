#!/usr/bin/python3
# Writes the dpt-eval test images (gt/, pred/, iuv/ PNGs) and expected.json with the metrics computed by
# scikit-image 0.19 / scipy: SSIM by structural_similarity, MS-SSIM from skimage's gaussian filter per scale.
#
# Run from anywhere: /usr/bin/python3 tests/data/eval/make_expected.py   (numpy, scipy, scikit-image, PIL)
# The images are seeded, so a rerun rewrites the same bytes and the same numbers.
import json
import os

import numpy as np
import skimage
from PIL import Image
from skimage.filters import gaussian
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))
SIGMA, TRUNCATE, PAD = 1.5, 3.5, 5  # 11-tap window (radius int(3.5 * 1.5 + 0.5) = 5)
C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
MS_WEIGHTS = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])


def smooth_pattern(h, w, rng):
    """Sums of a few random sinusoids and a gradient per channel, in 0..255."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.zeros((h, w, 3))
    for c in range(3):
        v = 96 + 40 * (xx / w) + 30 * (yy / h)
        for _ in range(3):
            fx, fy = rng.uniform(0.5, 4.0, 2) * 2 * np.pi
            v += rng.uniform(10, 25) * np.sin(fx * xx / w + fy * yy / h + rng.uniform(0, 2 * np.pi))
        out[..., c] = v
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def make_pair(kind, h, w, seed):
    rng = np.random.default_rng(seed)
    if kind == "noise":
        gt = rng.integers(0, 256, (h, w, 3)).astype(np.float64)
        pred = gt + rng.normal(0, 30, gt.shape)
    elif kind == "invert":  # anti-correlated: negative SSIM, cs < 0 clamped to 0 in MS-SSIM
        gt = smooth_pattern(h, w, rng).astype(np.float64)
        pred = 255 - gt
    else:
        gt = smooth_pattern(h, w, rng).astype(np.float64)
        # A shifted, brightened copy with mild noise: structure mostly kept, luminance and detail off.
        pred = np.roll(gt, 1, axis=1) + 6 + rng.normal(0, 5, gt.shape)
    gt = np.clip(np.round(gt), 0, 255).astype(np.uint8)
    pred = np.clip(np.round(pred), 0, 255).astype(np.uint8)
    return gt, pred


def make_iuv(h, w, seed):
    """DensePose order as an RGB reader sees it: R = V*255, G = U*255, B = I; an ellipse of parts 1..24."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    cy, cx = h * rng.uniform(0.4, 0.6), w * rng.uniform(0.4, 0.6)
    inside = ((yy - cy) / (0.38 * h)) ** 2 + ((xx - cx) / (0.3 * w)) ** 2 <= 1.0
    part = (1 + (np.floor(yy / h * 6) * 4 + np.floor(xx / w * 4)) % 24).astype(np.uint8)
    iuv = np.zeros((h, w, 3), np.uint8)
    iuv[..., 2] = np.where(inside, part, 0)
    iuv[..., 1] = np.where(inside, rng.integers(0, 256, (h, w)), 0)
    iuv[..., 0] = np.where(inside, rng.integers(0, 256, (h, w)), 0)
    return iuv, inside


def blur(a):
    return gaussian(a, sigma=SIGMA, truncate=TRUNCATE, mode="reflect", preserve_range=True, channel_axis=None)


def ssim_maps(x, y):
    """S and cs = A2 / B2 maps of one float64 channel, exactly the formulas of structural_similarity."""
    ux, uy = blur(x), blur(y)
    vx = blur(x * x) - ux * ux
    vy = blur(y * y) - uy * uy
    vxy = blur(x * y) - ux * uy
    a1, a2, b1, b2 = 2 * ux * uy + C1, 2 * vxy + C2, ux ** 2 + uy ** 2 + C1, vx + vy + C2
    return (a1 * a2) / (b1 * b2), a2 / b2


def crop(a):
    return a[PAD:-PAD, PAD:-PAD]


def weighted_mean(m, wgt):
    if wgt is None:
        return crop(m).mean(dtype=np.float64)
    tw = crop(wgt).sum()
    return float("nan") if tw == 0 else float((crop(m) * crop(wgt)).sum() / tw)


def down2(a):
    """2x2 block mean, an odd last row/column dropped (avg_pool2d(2, 2) without padding)."""
    h, w = a.shape[0] // 2, a.shape[1] // 2
    return a[: 2 * h, : 2 * w].reshape(h, 2, w, 2).mean(axis=(1, 3))


def ms_scales(h, w):
    m, s = 0, min(h, w)
    while m < 5 and s >= 2 * PAD + 1:
        m, s = m + 1, s // 2
    return m


def ms_ssim(gt, pred, mask=None):
    """Per channel prod(max(cs_k, 0)^w_k) * max(ssim_M, 0)^w_M, weights renormalised to M scales; mean of channels."""
    m = ms_scales(*gt.shape[:2])
    w = MS_WEIGHTS[:m] / MS_WEIGHTS[:m].sum()
    vals = []
    for c in range(3):
        x, y = gt[..., c].astype(np.float64), pred[..., c].astype(np.float64)
        wgt = None if mask is None else mask.astype(np.float64)
        v = 1.0
        for k in range(m):
            s_map, cs_map = ssim_maps(x, y)
            term = weighted_mean(s_map if k == m - 1 else cs_map, wgt)
            if np.isnan(term):
                return float("nan"), m
            v *= max(term, 0.0) ** w[k]
            if k < m - 1:
                x, y = down2(x), down2(y)
                wgt = None if wgt is None else down2(wgt)
        vals.append(v)
    return float(np.mean(vals)), m


def masked_ssim(gt, pred, mask):
    vals = []
    for c in range(3):
        _, s_map = structural_similarity(gt[..., c], pred[..., c], gaussian_weights=True, sigma=SIGMA,
                                         use_sample_covariance=False, data_range=255, full=True)
        vals.append(weighted_mean(s_map, mask.astype(np.float64)))
    return float(np.mean(vals))


def metrics(gt, pred, mask):
    g, p = gt.astype(np.float64), pred.astype(np.float64)
    ssim = structural_similarity(gt, pred, gaussian_weights=True, sigma=SIGMA, use_sample_covariance=False,
                                 data_range=255, channel_axis=2)
    # Our own S map at scale 1 must be skimage's: this is what makes the MS-SSIM numbers skimage's too.
    own = np.mean([crop(ssim_maps(g[..., c], p[..., c])[0]).mean() for c in range(3)])
    assert abs(own - ssim) < 1e-12, (own, ssim)
    ms, m = ms_ssim(gt, pred)
    fg = mask[..., None].repeat(3, axis=2)
    diff = np.abs(p - g)
    mse_fg = float((diff[fg] ** 2).mean())
    pms, _ = ms_ssim(gt, pred, mask)
    return {
        "height": int(gt.shape[0]), "width": int(gt.shape[1]),
        "ssim": float(ssim), "ms_ssim": ms, "ms_ssim_scales": m,
        "l1": float(diff.mean() / 255.0),
        "psnr": float(peak_signal_noise_ratio(gt, pred, data_range=255)),
        "person": {
            "foreground_fraction": float(mask.mean()),
            "ssim": masked_ssim(gt, pred, mask), "ms_ssim": pms,
            "l1": float(diff[fg].mean() / 255.0),
            "psnr": float(10 * np.log10(255.0 ** 2 / mse_fg)),
        },
    }


def main():
    cases = [("noise_64x48", "noise", 48, 64), ("smooth_64x48", "smooth", 48, 64),
             ("noise_128x96", "noise", 96, 128), ("smooth_128x96", "smooth", 96, 128),
             ("smooth_176x176", "smooth", 176, 176), ("invert_64x48", "invert", 48, 64)]
    for d in ("gt", "pred", "iuv"):
        os.makedirs(os.path.join(HERE, d), exist_ok=True)
    out = {"generator": "make_expected.py", "skimage": skimage.__version__, "numpy": np.__version__,
           "cases": {}}
    for i, (name, kind, h, w) in enumerate(cases):
        gt, pred = make_pair(kind, h, w, 1000 + i)
        iuv, mask = make_iuv(h, w, 2000 + i)
        Image.fromarray(gt).save(os.path.join(HERE, "gt", name + ".png"))
        Image.fromarray(pred).save(os.path.join(HERE, "pred", name + ".png"))
        Image.fromarray(iuv).save(os.path.join(HERE, "iuv", name + ".png"))
        out["cases"][name] = metrics(gt, pred, mask)
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
