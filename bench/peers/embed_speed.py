#!/usr/bin/env python3
"""`krill embed` and `krill classify` beside the same work in PyTorch with PIL, in images
per second: decode N grey PNGs (synthetic plankton, 300 x 300 by default), pad them to a
square on white and resize to the network's 64 px, embed them with krill's default network
(channels 32, 64, 128, 128; embedding 64), and for classify also apply an SVM (krill: the
run's saved libsvm model; the peer: scikit-learn's SVC fitted on the same validation
embeddings with the run's settings).

The peer is the usual PyTorch idiom: a Dataset opening each file with PIL
(`convert("L")`, `ImageOps.pad`), a DataLoader with one worker per core and batches of
256, the exported weights in the documented module (krill_torch.py), torch threads = cores.
Times are medians over --repeat runs, after one warm-up that fills the page cache.

    bench/.venv/bin/python bench/peers/embed_speed.py --krill .build/release/krill [--images 10000] [--repeat 3]
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

KRILL_ENV = dict(os.environ)
for _name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_name, None)  # the peers only, as in evaluators.py

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import krill_torch  # noqa: E402

EXPERIMENT = """\
seed: 5
data: {source: synthetic, synthetic: {classes: 10, per_class: 120, image_size: 96}}
rescale: {size: 64}
split: {validation: 20, test: 20}
model: {channels: [32, 64, 128, 128], embedding: 64}
training: {epochs: 1, steps_per_epoch: 10, batch: {triplets: 16}}
evaluate: {tsne: false, kmeans: false, retrieval: false, zeroshot: false, baseline: false,
           svm: {kernel: poly, degree: 3, C: 1.0, gamma: scale}}
"""


class Files(torch.utils.data.Dataset):
    def __init__(self, paths, side):
        self.paths, self.side = paths, side

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        image = ImageOps.pad(Image.open(self.paths[i]).convert("L"), (self.side, self.side),
                             method=Image.BILINEAR, color=255)
        return torch.from_numpy(1 - np.asarray(image, dtype=np.float32) / 255)[None]


def torch_embed(net, paths, side, workers):
    loader = torch.utils.data.DataLoader(Files(paths, side), batch_size=256, num_workers=workers)
    out = []
    with torch.no_grad():
        for batch in loader:
            out.append(net(batch).numpy())
    return np.concatenate(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--krill", required=True)
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    krill = os.path.abspath(args.krill)
    cores = os.cpu_count() or 1
    torch.set_num_threads(cores)
    with tempfile.TemporaryDirectory() as work:
        def sh(*cmd):
            subprocess.run(cmd, cwd=work, check=True, env=KRILL_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        classes = 10
        sh(krill, "synth", "images", "--classes", str(classes), "--per-class", str(-(-args.images // classes)),
           "--size", str(args.size), "--seed", "9")
        paths = sorted(os.path.join(root, f) for root, _, names in os.walk(os.path.join(work, "images")) for f in names)[: args.images]
        with open(os.path.join(work, "list.txt"), "w") as f:
            f.write("\n".join(paths))
        with open(os.path.join(work, "model.yaml"), "w") as f:
            f.write(EXPERIMENT)
        sh(krill, "run", "model.yaml")
        sh(krill, "export", "model", "-o", "model.safetensors")
        net = krill_torch.load(os.path.join(work, "model.safetensors"))
        run = os.path.join(work, "artifacts", "runs", "model", "latest", "epoch-1")
        fit_x = np.load(os.path.join(run, "embeddings-validation.npy"))
        with open(os.path.join(run, "labels-validation.csv")) as f:
            fit_y = [r["class"] for r in csv.DictReader(f)]

        def krill_embed():
            sh(krill, "embed", "model", "images", "-o", "out.npy")

        def krill_classify():
            sh(krill, "classify", "model", "images", "-o", "out.csv")

        def peer_embed():
            torch_embed(net, paths, 64, cores)

        def peer_classify():
            x = torch_embed(net, paths, 64, cores)
            SVC(kernel="poly", degree=3, C=1.0, gamma="scale").fit(fit_x, fit_y).predict(x)

        tasks = [("embed", krill_embed, peer_embed), ("classify", krill_classify, peer_classify)]
        times = {(t, who): [] for t, _, _ in tasks for who in ("krill", "pytorch")}
        krill_embed()  # warm-up: page cache
        for _ in range(args.repeat):
            for name, ours, theirs in tasks:
                for who, fn in (("krill", ours), ("pytorch", theirs)):
                    start = time.perf_counter()
                    fn()
                    times[(name, who)].append(time.perf_counter() - start)
    n = len(paths)
    print(f"{n} synthetic PNGs of {args.size} x {args.size}, decode + pad + resize to 64 + embed (64-d), {cores} cores, "
          f"median of {args.repeat}")
    print(f"{'task':<10}{'krill img/s':>14}{'PyTorch+PIL img/s':>20}{'krill / PyTorch':>18}")
    results = {}
    for name, _, _ in tasks:
        k = n / statistics.median(times[(name, "krill")])
        p = n / statistics.median(times[(name, "pytorch")])
        results[name] = {"krill_images_per_second": k, "pytorch_images_per_second": p, "ratio": k / p}
        print(f"{name:<10}{k:>14.0f}{p:>20.0f}{k / p:>17.2f}x")
    print(json.dumps({"images": n, "size": args.size, "cores": cores, "results": results}))


if __name__ == "__main__":
    main()
