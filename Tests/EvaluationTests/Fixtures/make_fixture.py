#!/usr/bin/env python3
"""Writes embeddings.csv, the fixed embeddings krill's evaluator tests compare against
scikit-learn (see sklearn_reference.py). numpy only, seeded: rerunning it rewrites the
same file.

Four overlapping Gaussian classes in 8-D (40 points each, rows interleaved by class),
half of each class in split `fit`, half in `test`, plus two label columns that stand in
for a classifier's output: `predicted` (about 70 % correct, class 3 never predicted, so
one class exercises zero division) and `cluster` (5 cluster ids loosely tied to the
class). Values are float32, written with 9 significant digits (exact round trip).

    columns: row,split,class,predicted,cluster,x0..x7
"""
import numpy as np

rng = np.random.default_rng(20240607)
classes, per_class, dims = 4, 40, 8
means = rng.normal(0.0, 1.2, size=(classes, dims))
spreads = np.array([0.8, 1.0, 1.2, 0.9])
rows = []
for i in range(classes * per_class):
    c = i % classes
    x = (means[c] + spreads[c] * rng.normal(size=dims)).astype(np.float32)
    split = "fit" if (i // classes) % 2 == 0 else "test"
    if rng.random() < 0.7:
        predicted = c
    else:
        predicted = int(rng.integers(0, classes))
    if predicted == 3:
        predicted = int(rng.integers(0, 3))
    cluster = c if rng.random() < 0.6 else int(rng.integers(0, 5))
    rows.append((i, split, c, predicted, cluster, x))

with open("embeddings.csv", "w") as f:
    f.write("row,split,class,predicted,cluster," + ",".join(f"x{j}" for j in range(dims)) + "\n")
    for i, split, c, p, k, x in rows:
        f.write(f"{i},{split},{c},{p},{k}," + ",".join(f"{float(v):.9g}" for v in x) + "\n")

# A tiny .npy written by numpy itself, for the NPY reader/writer test (3 x 2 float32).
np.save("small.npy", np.array([[1.5, -2.0], [0.25, 3e-8], [1e30, -0.0]], dtype=np.float32))
