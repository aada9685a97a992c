#!/usr/bin/python3
# Writes lpips_expected.json: LPIPS v0.1 / AlexNet (eval/lpips.h, Note [LPIPS]) computed in float64 with
# NumPy, independently of the engine, on weights and images that tests/test_lpips.cpp rebuilds from the same
# counter hash (no weight file is stored: the AlexNet trunk alone has 2.5 M weights).
#
# Run: /usr/bin/python3 tests/data/eval/make_lpips_expected.py   (numpy only; Debian's python3-numpy)
#
# The hash: h(i, seed) = fmix32((i + seed * 0x9E3779B9) mod 2^32) (MurmurHash3's finaliser), u = (h >> 8) / 2^24.
# Weights, in the order of lpips_tensors() (tensor k uses seed 1000 + k, element i its row-major index):
#   conv weight [Cout, Cin, k, k]: float32((2u - 1) * sqrt(6 / (Cin k k)))
#   conv bias   [Cout]:            float32((2u - 1) * 0.1)
#   lin weight  [1, C, 1, 1]:      float32(0.2 u)            (LPIPS heads are non-negative)
# Images (H x W x 3 bytes, element i = (y * W + x) * 3 + c):
#   noise(seed):       h(i, seed) >> 24
#   ramp(seed):        (4x + 2y + 50c + (h(i, seed) >> 28)) mod 256
#   nudged(img, seed): clip(img + (h(i, seed) >> 28) - 8, 0, 255)
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
M32 = np.uint64(0xFFFFFFFF)

# (torchvision features index, Cin, Cout, kernel, stride, padding) of AlexNet's convolutions.
CONVS = [(0, 3, 64, 11, 4, 2), (3, 64, 192, 5, 1, 2), (6, 192, 384, 3, 1, 1), (8, 384, 256, 3, 1, 1),
         (10, 256, 256, 3, 1, 1)]
SHIFT = np.array([-0.030, -0.088, -0.188], np.float32).astype(np.float64)
SCALE = np.array([0.458, 0.448, 0.450], np.float32).astype(np.float64)


def hash32(n, seed):
    h = (np.arange(n, dtype=np.uint64) + np.uint64(seed) * np.uint64(0x9E3779B9)) & M32
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & M32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & M32
    h ^= h >> np.uint64(16)
    return h


def uniform(n, seed):
    return (hash32(n, seed) >> np.uint64(8)).astype(np.float64) / float(1 << 24)


def weights():
    specs = []
    for (idx, cin, cout, k, _, _) in CONVS:
        specs.append(("features.%d.weight" % idx, (cout, cin, k, k)))
        specs.append(("features.%d.bias" % idx, (cout,)))
    for l, (_, _, cout, _, _, _) in enumerate(CONVS):
        specs.append(("lin%d.model.1.weight" % l, (1, cout, 1, 1)))
    w = {}
    for k, (name, shape) in enumerate(specs):
        n = int(np.prod(shape))
        u = uniform(n, 1000 + k)
        if name.endswith(".weight") and name.startswith("features."):
            v = (2 * u - 1) * np.sqrt(6.0 / (shape[1] * shape[2] * shape[3]))
        elif name.endswith(".bias"):
            v = (2 * u - 1) * 0.1
        else:
            v = 0.2 * u
        w[name] = v.astype(np.float32).astype(np.float64).reshape(shape)
    return w


def noise(h, w, seed):
    return (hash32(h * w * 3, seed) >> np.uint64(24)).astype(np.int64).reshape(h, w, 3)


def ramp(h, w, seed):
    y, x, c = np.meshgrid(np.arange(h), np.arange(w), np.arange(3), indexing="ij")
    r = (hash32(h * w * 3, seed) >> np.uint64(28)).astype(np.int64).reshape(h, w, 3)
    return (4 * x + 2 * y + 50 * c + r) % 256


def nudged(img, seed):
    h, w, _ = img.shape
    r = (hash32(h * w * 3, seed) >> np.uint64(28)).astype(np.int64).reshape(h, w, 3)
    return np.clip(img + r - 8, 0, 255)


def conv2d(x, wt, b, stride, pad):
    """x [C, H, W], wt [O, C, k, k] -> [O, Ho, Wo] (cross-correlation, zero padding)."""
    c, h, w = x.shape
    o, _, k, _ = wt.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    ho, wo = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    cols = np.empty((c, k, k, ho, wo))
    for i in range(k):
        for j in range(k):
            cols[:, i, j] = xp[:, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride]
    return np.tensordot(wt, cols, axes=([1, 2, 3], [0, 1, 2])) + b[:, None, None]


def max_pool(x, k=3, s=2):
    c, h, w = x.shape
    ho, wo = (h - k) // s + 1, (w - k) // s + 1
    out = np.full((c, ho, wo), -np.inf)
    for i in range(k):
        for j in range(k):
            out = np.maximum(out, x[:, i:i + s * (ho - 1) + 1:s, j:j + s * (wo - 1) + 1:s])
    return out


def features(img, w):
    x = img.transpose(2, 0, 1).astype(np.float32).astype(np.float64) / 127.5 - 1.0
    x = x.astype(np.float32).astype(np.float64)  # the engine's input tensor is float32
    x = (x - SHIFT[:, None, None]) / SCALE[:, None, None]
    out = []
    for l, (idx, _, _, _, stride, pad) in enumerate(CONVS):
        if l in (1, 2):
            x = max_pool(x)
        x = np.maximum(conv2d(x, w["features.%d.weight" % idx], w["features.%d.bias" % idx], stride, pad), 0)
        out.append(x)
    return out


def lpips(img0, img1, w):
    f0, f1 = features(img0, w), features(img1, w)
    layers = []
    for l in range(5):
        n0 = f0[l] / (np.sqrt((f0[l] ** 2).sum(0, keepdims=True)) + 1e-10)
        n1 = f1[l] / (np.sqrt((f1[l] ** 2).sum(0, keepdims=True)) + 1e-10)
        lin = w["lin%d.model.1.weight" % l].reshape(-1)
        layers.append(float((lin[:, None, None] * (n0 - n1) ** 2).sum(0).mean()))
    return sum(layers), layers


def main():
    w = weights()
    cases = [
        ("noise_vs_noise_64x64", noise(64, 64, 1), noise(64, 64, 2)),
        ("ramp_vs_nudged_64x48", ramp(64, 48, 3), nudged(ramp(64, 48, 3), 4)),
        ("noise_vs_nudged_40x36", noise(40, 36, 5), nudged(noise(40, 36, 5), 6)),
        ("ramp_vs_noise_31x33", ramp(31, 33, 7), noise(31, 33, 8)),
    ]
    out = {"about": "LPIPS v0.1 / AlexNet in float64 NumPy on hashed weights and images (make_lpips_expected.py)",
           "weight_checksums": {k: float(v.sum()) for k, v in w.items()}, "cases": {}}
    for name, a, b in cases:
        total, layers = lpips(a, b, w)
        out["cases"][name] = {"lpips": total, "layers": layers, "gt_sum": int(a.sum()), "pred_sum": int(b.sum())}
        print(name, total, layers)
    with open(os.path.join(HERE, "lpips_expected.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
