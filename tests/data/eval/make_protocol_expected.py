#!/usr/bin/python3
# Writes protocol_expected.json: the whole-image SSIM of every gt/pred pair in this folder under the PATN
# protocol (eval/metrics.h, Note [PATN protocol]) as the PATN script computes it with scikit-image: both images
# padded with 40 white columns per side, structural_similarity(gt, pred, gaussian_weights=True, sigma=1.5,
# use_sample_covariance=False, channel_axis=2 (multichannel), data_range=pred.max() - pred.min()) on the padded
# arrays. The plain value (data range 255, no padding) is stored next to it for the difference.
#
# Run: /usr/bin/python3 tests/data/eval/make_protocol_expected.py   (numpy, scikit-image 0.19, PIL)
import json
import os

import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))


def add_bounding(img, bound=40):
    h, w, c = img.shape
    out = np.full((h, w + 2 * bound, c), 255, np.uint8)
    out[:, bound:bound + w] = img
    return out


def ssim(gt, pred, data_range):
    return float(structural_similarity(gt, pred, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                       channel_axis=2, data_range=data_range))


def main():
    out = {}
    for name in sorted(os.listdir(os.path.join(HERE, "gt"))):
        gt = np.asarray(Image.open(os.path.join(HERE, "gt", name)).convert("RGB"))
        pred = np.asarray(Image.open(os.path.join(HERE, "pred", name)).convert("RGB"))
        g, p = add_bounding(gt), add_bounding(pred)
        dr = float(p.max()) - float(p.min())
        out[os.path.splitext(name)[0]] = {"plain": ssim(gt, pred, 255), "patn": ssim(g, p, dr), "patn_data_range": dr}
        print(name, out[os.path.splitext(name)[0]])
    with open(os.path.join(HERE, "protocol_expected.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
