#!/usr/bin/env python3
"""Checks `krill export` in PyTorch: the documented module (krill_torch.py, the code of
docs/using-a-model.md) loads the safetensors file and reproduces `krill embed` on 100
images. Trains a small run with batch norm (one epoch: the weights only need to be
non-trivial), embeds 100 synthetic images with `krill embed --save-inputs`, runs the same
rescaled pixels through PyTorch, and reports the largest absolute difference of the
embeddings (expected below 1e-4; exit 1 above it).

    bench/.venv/bin/python bench/peers/export_check.py --krill .build/release/krill
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import krill_torch  # noqa: E402

EXPERIMENT = """\
seed: 5
data:
  source: folders
  folders: {root: data}
rescale: {size: 64}
split: {validation: 10, test: 10}
model: {channels: [16, 32, 64, 64], batch_norm: true, embedding: 64, output: %s}
training: {epochs: 1, steps_per_epoch: 12, batch: {triplets: 16}}
evaluate: {tsne: false, svm: false, kmeans: false, retrieval: false, zeroshot: false, summaries: false, baseline: false}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--krill", required=True)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--limit", type=float, default=1e-4)
    args = parser.parse_args()
    krill = os.path.abspath(args.krill)
    torch.set_num_threads(2)
    worst = 0.0
    with tempfile.TemporaryDirectory() as work:
        def sh(*cmd):
            subprocess.run(cmd, cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        sh(krill, "synth", "data", "--classes", "4", "--per-class", "60", "--size", "96", "--seed", "11")
        files = sorted(os.path.join(root, f) for root, _, names in os.walk(os.path.join(work, "data")) for f in names)
        picked = files[:: max(1, len(files) // args.images)][: args.images]
        for output in ("l2", "sigmoid"):
            with open(os.path.join(work, output + ".yaml"), "w") as f:
                f.write(EXPERIMENT % output)
            sh(krill, "run", output + ".yaml")
            sh(krill, "embed", output, *picked, "-o", output + ".npy", "--save-inputs", output + "-inputs.npy")
            sh(krill, "export", output, "-o", output + ".safetensors")
            net = krill_torch.load(os.path.join(work, output + ".safetensors"))
            pixels = np.load(os.path.join(work, output + "-inputs.npy")).astype(np.float32)
            with torch.no_grad():
                theirs = net(torch.from_numpy(1 - pixels / 255)[:, None]).numpy()
            ours = np.load(os.path.join(work, output + ".npy"))
            diff = float(np.abs(theirs - ours).max())
            worst = max(worst, diff)
            print(f"export check ({output} output, batch norm): {len(picked)} images, "
                  f"largest |krill - PyTorch| = {diff:.3g} (limit {args.limit:g})")
    if worst > args.limit:
        print("export check FAILED", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
